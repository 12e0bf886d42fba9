"""One move along the state machine, inside the caller's shard transaction (API, payment saga)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from api.domain.orders import schemas
from api.domain.orders.metrics import TRANSITIONS
from api.domain.orders.partitioning import created_at_of
from api.domain.orders.repositories import OrderRepository
from api.domain.orders.services._mapping import load_order
from api.domain.orders.states import ETA_TRANSITIONS, Actor, IllegalTransition, TransitionNotAllowed, check_transition
from api.lib.auth import CurrentUser
from api.lib.errors import ConflictError, ForbiddenError, NotFoundError, UnprocessableError
from pizza.contracts.events import OrderStatus, OrderStatusChanged


@dataclass(frozen=True, slots=True)
class StatusChangeResult:
    """What ``change_status_in_tx`` did; hand it to ``OrderService.project`` after the commit."""

    order: schemas.Order
    seq: int


def actor_of(user: CurrentUser) -> str:
    return f"{user.role}:{user.user_id}"


def check_move(current: OrderStatus, target: OrderStatus, actor: Actor) -> None:
    """The transition table's answer as the API gives it: 409 for an illegal move, 403 for the wrong actor."""
    try:
        check_transition(current, target, actor)
    except IllegalTransition as exc:
        raise ConflictError(str(exc), title="Illegal status transition", extra={"current_status": current}) from exc
    except TransitionNotAllowed as exc:
        raise ForbiddenError(str(exc)) from exc


async def change_status_in_tx(
    conn: psycopg.AsyncConnection[Any],
    *,
    user_id: uuid.UUID,
    order_id: uuid.UUID,
    target: OrderStatus,
    actor: Actor,
    changed_by: str,
    reason: str | None = None,
    estimated_ready_minutes: int | None = None,
    restaurant_id: uuid.UUID | None = None,
) -> StatusChangeResult:
    """Move one order inside the caller's shard transaction: row lock, transition table, history, outbox.

    The payment saga calls this with ``actor="system"`` in the same transaction as its payment row.
    ``restaurant_id`` (for staff) makes an order of another restaurant look absent.
    """
    created_at = created_at_of(order_id)
    repo = OrderRepository(conn)
    row = await repo.get(order_id, created_at, for_update=True) if created_at else None
    if row is None or row["user_id"] != user_id or (restaurant_id and row["restaurant_id"] != restaurant_id):
        raise NotFoundError(f"there is no order {order_id}")
    check_move(row["status"], target, actor)
    changed_at = datetime.now(UTC)
    estimated_ready_at = None
    if estimated_ready_minutes is not None:
        if (row["status"], target) not in ETA_TRANSITIONS:
            raise UnprocessableError("`estimated_ready_minutes` is given when accepting or starting to prepare")
        estimated_ready_at = changed_at + timedelta(minutes=estimated_ready_minutes)
    await repo.set_status(order_id, row["created_at"], target, estimated_ready_at, changed_at)
    seq = await repo.add_history(order_id, row["status"], target, changed_by, changed_at, reason)
    event = OrderStatusChanged(
        order_id=order_id,
        user_id=user_id,
        restaurant_id=row["restaurant_id"],
        from_status=row["status"],
        to_status=target,
        reason=reason,
        estimated_ready_at=estimated_ready_at,
        changed_at=changed_at,
    )
    await repo.add_outbox(event)
    TRANSITIONS.labels(target).inc()
    updated = await repo.get(order_id, row["created_at"])
    assert updated is not None
    return StatusChangeResult(await load_order(repo, updated), seq)
