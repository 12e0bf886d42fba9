"""SQL for payments on the user's shard. Every function runs inside the caller's transaction."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

Row = dict[str, Any]

COLUMNS = (
    "payment_id, order_id, user_id, amount_cents, currency, status, provider, provider_ref, method, "
    "failure_reason, card_fingerprint, fraud_score, fraud_reasons, review_decision, reviewed_by, reviewed_at, "
    "refund_ref, refunded_at, source_event_id, created_at, updated_at"
)
# Fields a state change may set (the statement is built from this allow-list only).
UPDATABLE = frozenset(
    {
        "status",
        "provider_ref",
        "method",
        "failure_reason",
        "card_fingerprint",
        "fraud_score",
        "fraud_reasons",
        "review_decision",
        "reviewed_by",
        "reviewed_at",
        "refund_ref",
        "refunded_at",
    }
)


async def insert_pending(
    conn: AsyncConnection[Any],
    *,
    payment_id: uuid.UUID,
    order_id: uuid.UUID,
    user_id: uuid.UUID,
    amount_cents: int,
    currency: str,
    provider: str,
    source_event_id: uuid.UUID | None,
) -> Row | None:
    """Insert the order's payment; None when the order already has one (a redelivered event)."""
    cur = await conn.execute(
        f"""INSERT INTO payments (payment_id, order_id, user_id, amount_cents, currency, status, provider,
                                  source_event_id)
            VALUES (%s, %s, %s, %s, %s, 'PENDING', %s, %s)
            ON CONFLICT (order_id) DO NOTHING
            RETURNING {COLUMNS}""",
        (payment_id, order_id, user_id, amount_cents, currency, provider, source_event_id),
    )
    return await cur.fetchone()  # type: ignore[return-value]


async def get_by_order(conn: AsyncConnection[Any], order_id: uuid.UUID, *, lock: bool = False) -> Row | None:
    cur = await conn.execute(
        f"SELECT {COLUMNS} FROM payments WHERE order_id = %s" + (" FOR UPDATE" if lock else ""), (order_id,)
    )
    return await cur.fetchone()  # type: ignore[return-value]


async def get(conn: AsyncConnection[Any], payment_id: uuid.UUID, *, lock: bool = False) -> Row | None:
    cur = await conn.execute(
        f"SELECT {COLUMNS} FROM payments WHERE payment_id = %s" + (" FOR UPDATE" if lock else ""), (payment_id,)
    )
    return await cur.fetchone()  # type: ignore[return-value]


async def list_for_order(conn: AsyncConnection[Any], order_id: uuid.UUID, user_id: uuid.UUID | None) -> list[Row]:
    if user_id is None:
        cur = await conn.execute(f"SELECT {COLUMNS} FROM payments WHERE order_id = %s", (order_id,))
    else:
        cur = await conn.execute(
            f"SELECT {COLUMNS} FROM payments WHERE order_id = %s AND user_id = %s", (order_id, user_id)
        )
    return await cur.fetchall()  # type: ignore[return-value]


async def list_in_review(conn: AsyncConnection[Any], limit: int) -> list[Row]:
    cur = await conn.execute(
        f"SELECT {COLUMNS} FROM payments WHERE status = 'REVIEW' ORDER BY created_at LIMIT %s", (limit,)
    )
    return await cur.fetchall()  # type: ignore[return-value]


async def count_recent_for_user(conn: AsyncConnection[Any], user_id: uuid.UUID, window: timedelta) -> int:
    cur = await conn.execute(
        "SELECT count(*) AS n FROM payments WHERE user_id = %s AND created_at > now() - %s", (user_id, window)
    )
    row: Row | None = await cur.fetchone()  # type: ignore[assignment]
    return int(row["n"]) if row else 0


async def successful_amounts(
    conn: AsyncConnection[Any], user_id: uuid.UUID, exclude: uuid.UUID, limit: int = 20
) -> tuple[int, ...]:
    cur = await conn.execute(
        """SELECT amount_cents FROM payments
            WHERE user_id = %s AND payment_id <> %s AND status IN ('SUCCEEDED', 'REFUNDED')
            ORDER BY created_at DESC LIMIT %s""",
        (user_id, exclude, limit),
    )
    rows: list[Row] = await cur.fetchall()  # type: ignore[assignment]
    return tuple(int(r["amount_cents"]) for r in rows)


async def transition(
    conn: AsyncConnection[Any], payment_id: uuid.UUID, from_statuses: tuple[str, ...], **fields: Any
) -> Row | None:
    """Set ``fields`` only if the payment is still in one of ``from_statuses``; None if it moved on.

    A payment leaving PENDING keeps no customer action: its client secret is deleted in the same transaction.
    """
    unknown = set(fields) - UPDATABLE
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    names = sorted(fields)
    assignments = ", ".join(f"{name} = %s" for name in names)
    values = [Jsonb(fields[n]) if n == "fraud_reasons" else fields[n] for n in names]
    cur = await conn.execute(
        f"""UPDATE payments SET {assignments}, updated_at = now()
             WHERE payment_id = %s AND status = ANY(%s) RETURNING {COLUMNS}""",
        (*values, payment_id, list(from_statuses)),
    )
    done: Row | None = await cur.fetchone()  # type: ignore[assignment]
    if done is not None and done["status"] != "PENDING":
        await clear_action(conn, payment_id)
    return done


async def mark_processed(conn: AsyncConnection[Any], consumer: str, event_id: uuid.UUID) -> bool:
    """Record a handled message; False if it was handled before (then the caller does nothing)."""
    cur = await conn.execute(
        "INSERT INTO processed_events (consumer, event_id) VALUES (%s, %s) ON CONFLICT DO NOTHING RETURNING 1",
        (consumer, event_id),
    )
    return await cur.fetchone() is not None


async def save_action(
    conn: AsyncConnection[Any],
    payment_id: uuid.UUID,
    user_id: uuid.UUID,
    kind: str,
    client_secret: str,
    redirect_url: str | None,
) -> None:
    """What the customer must do (3-D Secure); a repeated authorization answer writes the same row again."""
    await conn.execute(
        """INSERT INTO payment_actions (payment_id, user_id, kind, client_secret, redirect_url)
           VALUES (%s, %s, %s, %s, %s)
           ON CONFLICT (payment_id) DO UPDATE SET kind = EXCLUDED.kind, client_secret = EXCLUDED.client_secret,
                                                  redirect_url = EXCLUDED.redirect_url""",
        (payment_id, user_id, kind, client_secret, redirect_url),
    )


async def actions_for(conn: AsyncConnection[Any], payment_ids: list[uuid.UUID]) -> dict[uuid.UUID, Row]:
    """The waiting actions of these payments, by payment id (only PENDING payments keep one)."""
    cur = await conn.execute(
        """SELECT a.payment_id, a.kind, a.client_secret, a.redirect_url FROM payment_actions a
             JOIN payments p USING (payment_id) WHERE a.payment_id = ANY(%s) AND p.status = 'PENDING'""",
        (payment_ids,),
    )
    return {row["payment_id"]: row for row in await cur.fetchall()}


async def clear_action(conn: AsyncConnection[Any], payment_id: uuid.UUID) -> bool:
    """Forget the action once the payment is decided; True if one was waiting."""
    cur = await conn.execute("DELETE FROM payment_actions WHERE payment_id = %s", (payment_id,))
    return cur.rowcount > 0
