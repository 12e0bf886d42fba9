"""SQL of the saga on the order's shard (``order_sagas``). Every function runs in the caller's transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from api.domain.saga.states import Plan, Saga
from api.lib.sql import Row, fetch_all, fetch_one

COLUMNS = (
    "order_id, user_id, restaurant_id, state, order_status, deadline_at, deadline_kind, reason, escalated_at, version"
)


def _saga(row: Row) -> Saga:
    return Saga(**row)


async def lock(conn: psycopg.AsyncConnection[Any], order_id: uuid.UUID) -> Saga | None:
    """The order's saga, locked until the caller's transaction ends (one step at a time per order)."""
    row = await fetch_one(conn, f"SELECT {COLUMNS} FROM order_sagas WHERE order_id = %s FOR UPDATE", (order_id,))
    return _saga(row) if row else None


async def get(conn: psycopg.AsyncConnection[Any], order_id: uuid.UUID) -> Saga | None:
    row = await fetch_one(conn, f"SELECT {COLUMNS} FROM order_sagas WHERE order_id = %s", (order_id,))
    return _saga(row) if row else None


async def lock_next_due(conn: psycopg.AsyncConnection[Any], now: datetime) -> Saga | None:
    """The saga whose deadline passed first and that no other timer holds, locked."""
    row = await fetch_one(
        conn,
        f"""SELECT {COLUMNS} FROM order_sagas WHERE deadline_at <= %s
             ORDER BY deadline_at LIMIT 1 FOR UPDATE SKIP LOCKED""",
        (now,),
    )
    return _saga(row) if row else None


def _step(plan: Plan, now: datetime) -> dict[str, Any]:
    return {
        "at": now.astimezone(UTC).isoformat(),
        "trigger": plan.trigger,
        "from": plan.before.state if plan.before else None,
        "to": plan.saga.state,
        "actions": plan.results,
    }


class SagaRace(Exception):
    """Another worker stored this order's first step meanwhile; handling the message again sees it."""


async def save(conn: psycopg.AsyncConnection[Any], plan: Plan, now: datetime) -> Saga:
    """Store the saga after ``plan``: insert the first step, update later ones. Returns it as stored."""
    s = plan.saga
    step = Jsonb([_step(plan, now)] if plan.moved or plan.actions else [])
    if plan.before is None or plan.before.version == 0:
        row = await fetch_one(
            conn,
            f"""INSERT INTO order_sagas (order_id, user_id, restaurant_id, state, order_status, deadline_at,
                       deadline_kind, reason, escalated_at, steps, started_at, updated_at)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                ON CONFLICT (order_id) DO NOTHING
                RETURNING {COLUMNS}""",
            (s.order_id, s.user_id, s.restaurant_id, s.state, s.order_status, s.deadline_at, s.deadline_kind,
             s.reason, s.escalated_at, step, now, now),
        )  # fmt: skip
        if row is None:
            raise SagaRace(f"the saga of order {s.order_id} was started concurrently")
        return _saga(row)
    row = await fetch_one(
        conn,
        f"""UPDATE order_sagas SET state = %s, order_status = %s, deadline_at = %s, deadline_kind = %s,
                   reason = %s, escalated_at = %s, steps = steps || %s, version = version + 1, updated_at = %s
             WHERE order_id = %s AND version = %s
         RETURNING {COLUMNS}""",
        (s.state, s.order_status, s.deadline_at, s.deadline_kind, s.reason, s.escalated_at, step, now,
         s.order_id, plan.before.version),
    )  # fmt: skip
    if row is None:
        raise SagaRace(f"the saga of order {s.order_id} changed under its lock")  # pragma: no cover - locked
    return _saga(row)


async def postpone(conn: psycopg.AsyncConnection[Any], order_id: uuid.UUID, until: datetime) -> None:
    """A timeout step failed: look again at ``until`` (and count the failure)."""
    await conn.execute(
        """UPDATE order_sagas SET deadline_at = %s, timer_failures = timer_failures + 1, updated_at = now()
            WHERE order_id = %s AND deadline_at IS NOT NULL""",
        (until, order_id),
    )


async def steps(conn: psycopg.AsyncConnection[Any], order_id: uuid.UUID) -> list[dict[str, Any]]:
    row = await fetch_one(conn, "SELECT steps FROM order_sagas WHERE order_id = %s", (order_id,))
    return list(row["steps"]) if row else []


async def escalated(conn: psycopg.AsyncConnection[Any], limit: int = 100) -> list[Saga]:
    """Sagas waiting for a human, oldest escalation first."""
    rows = await fetch_all(
        conn,
        f"SELECT {COLUMNS} FROM order_sagas WHERE state = 'ESCALATED' ORDER BY escalated_at LIMIT %s",
        (limit,),
    )
    return [_saga(r) for r in rows]
