"""SQL and MongoDB writes of an erasure. Every statement is idempotent: an erasure may be run again.

Orders and their facts stay (bookkeeping and analytics keep working, keyed by the user id); what
identifies the person in them is overwritten.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg
from pymongo.asynchronous.database import AsyncDatabase

from api.lib.sql import Row, fetch_one
from pizza.crypto.datakeys import TOMBSTONE

ERASED_ADDRESS = '{"erased": true}'


def placeholder_email(user_id: uuid.UUID) -> str:
    """Unique (``users`` has a unique index on the e-mail), undeliverable (RFC 2606 ``.invalid``), and
    derived from nothing but the random user id."""
    return f"erased-{user_id.hex}@erased.invalid"


# --- catalog ---------------------------------------------------------------------------------------


async def destroy_data_key(conn: psycopg.AsyncConnection, user_id: uuid.UUID) -> None:
    """Crypto-shredding: the wrapped key becomes a tombstone, and no key is ever made for the user again."""
    await conn.execute(TOMBSTONE, (user_id,))


async def forget_directory_entry(conn: psycopg.AsyncConnection, user_id: uuid.UUID, email: str) -> None:
    await conn.execute("DELETE FROM user_directory WHERE email = %s AND user_id = %s", (email, user_id))


async def redact_reviews(conn: psycopg.AsyncConnection, user_id: uuid.UUID) -> None:
    """The display name signed under reviews; ratings and comments stay with the restaurant."""
    await conn.execute(
        "UPDATE reviews SET author_name = NULL WHERE user_id = %s AND author_name IS NOT NULL", (user_id,)
    )


# --- the user's shard ------------------------------------------------------------------------------


async def get_account(conn: psycopg.AsyncConnection, user_id: uuid.UUID) -> Row | None:
    return await fetch_one(conn, "SELECT user_id, email, password_hash FROM users WHERE user_id = %s", (user_id,))


async def has_orders_in(conn: psycopg.AsyncConnection, user_id: uuid.UUID, statuses: Sequence[str]) -> bool:
    row = await fetch_one(
        conn,
        "SELECT EXISTS (SELECT 1 FROM orders WHERE user_id = %s AND status = ANY(%s)) AS found",
        (user_id, list(statuses)),
    )
    return bool(row and row["found"])


async def overwrite_user(conn: psycopg.AsyncConnection, user_id: uuid.UUID) -> Row | None:
    """Contact data replaced, the password made unusable, the account disabled and its tokens ended."""
    return await fetch_one(
        conn,
        """UPDATE users
              SET email = %s, name = '', phone = NULL, password_hash = '!erased',
                  disabled_at = coalesce(disabled_at, now()), token_version = token_version + 1, updated_at = now()
            WHERE user_id = %s
        RETURNING token_version""",
        (placeholder_email(user_id), user_id),
    )


async def delete_addresses(conn: psycopg.AsyncConnection, user_id: uuid.UUID) -> None:
    await conn.execute("DELETE FROM user_addresses WHERE user_id = %s", (user_id,))


async def redact_orders(conn: psycopg.AsyncConnection, user_id: uuid.UUID) -> None:
    """The delivery address and its exact coordinates; amounts, items, city and times stay."""
    await conn.execute(
        """UPDATE orders SET delivery_address = %s::jsonb, delivery_lat = NULL, delivery_lon = NULL
            WHERE user_id = %s AND (delivery_address <> %s::jsonb OR delivery_lat IS NOT NULL)""",
        (ERASED_ADDRESS, user_id, ERASED_ADDRESS),
    )


async def revoke_sessions(conn: psycopg.AsyncConnection, user_id: uuid.UUID) -> None:
    """Every login, and a pending password-reset link (a disabled account could not use it anyway)."""
    await conn.execute(
        "UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = %s AND revoked_at IS NULL", (user_id,)
    )
    await conn.execute("DELETE FROM password_reset_tokens WHERE user_id = %s", (user_id,))


# --- MongoDB ---------------------------------------------------------------------------------------


async def redact_documents(
    mongo: AsyncDatabase[dict[str, Any]], user_id: uuid.UUID, *, notifications: str, deliveries: str, at: datetime
) -> None:
    """The notification log's recipient address and rendered text (they carry the name), and the live
    delivery documents' drop-off point; what was sent when, and the ride, stay."""
    owner = {"user_id": str(user_id)}
    await mongo[notifications].update_many(
        {**owner, "erased_at": {"$exists": False}},
        {"$set": {"recipient": None, "subject": None, "body": None, "erased_at": at}},
    )
    await mongo[deliveries].update_many({**owner, "dropoff": {"$ne": None}}, {"$set": {"dropoff": None}})
