"""SQL of the loyalty domain, all on the user's shard: the balance (users.loyalty_points) and the ledger."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg

from api.lib.sql import Row, fetch_all, fetch_one
from pizza.ids import new_id

_ENTRY_COLUMNS = "entry_id, order_id, kind, points, balance_after, created_at"


async def lock_balance(conn: psycopg.AsyncConnection[Any], user_id: uuid.UUID) -> int | None:
    """The balance, with the user row locked until the transaction ends: ledger writes serialise per user."""
    row = await fetch_one(conn, "SELECT loyalty_points FROM users WHERE user_id = %s FOR UPDATE", (user_id,))
    return int(row["loyalty_points"]) if row else None


async def balance(conn: psycopg.AsyncConnection[Any], user_id: uuid.UUID) -> int | None:
    row = await fetch_one(conn, "SELECT loyalty_points FROM users WHERE user_id = %s", (user_id,))
    return int(row["loyalty_points"]) if row else None


async def entry(conn: psycopg.AsyncConnection[Any], order_id: uuid.UUID, kind: str) -> Row | None:
    return await fetch_one(
        conn, f"SELECT {_ENTRY_COLUMNS} FROM loyalty_ledger WHERE order_id = %s AND kind = %s", (order_id, kind)
    )


async def post_entry(
    conn: psycopg.AsyncConnection[Any], user_id: uuid.UUID, order_id: uuid.UUID, kind: str, points: int
) -> Row:
    """Move the balance by ``points`` (signed) and write the ledger line, in the caller's transaction."""
    moved = await fetch_one(
        conn,
        "UPDATE users SET loyalty_points = loyalty_points + %s, updated_at = now()"
        " WHERE user_id = %s RETURNING loyalty_points",
        (points, user_id),
    )
    assert moved is not None, "post_entry runs after lock_balance found the user"
    row = await fetch_one(
        conn,
        "INSERT INTO loyalty_ledger (entry_id, user_id, order_id, kind, points, balance_after)"
        f" VALUES (%s, %s, %s, %s, %s, %s) RETURNING {_ENTRY_COLUMNS}",
        (new_id(), user_id, order_id, kind, points, moved["loyalty_points"]),
    )
    assert row is not None
    return row


async def order_spend(conn: psycopg.AsyncConnection[Any], order_id: uuid.UUID, user_id: uuid.UUID) -> Row | None:
    """What the customer paid for food (after discounts, without the delivery fee), and the status."""
    return await fetch_one(
        conn,
        "SELECT status, currency, subtotal_cents - discount_cents AS food_cents"
        " FROM orders WHERE order_id = %s AND user_id = %s",
        (order_id, user_id),
    )


async def ledger_page(
    conn: psycopg.AsyncConnection[Any], user_id: uuid.UUID, before: uuid.UUID | None, limit: int
) -> list[Row]:
    if before is None:
        query = f"SELECT {_ENTRY_COLUMNS} FROM loyalty_ledger WHERE user_id = %s ORDER BY entry_id DESC LIMIT %s"
        return await fetch_all(conn, query, (user_id, limit))
    query = (
        f"SELECT {_ENTRY_COLUMNS} FROM loyalty_ledger WHERE user_id = %s AND entry_id < %s"
        " ORDER BY entry_id DESC LIMIT %s"
    )
    return await fetch_all(conn, query, (user_id, before, limit))
