"""The consumers' message log: ``processed_events (consumer, event_id)`` on every shard and the catalog.

Debezium's outbox-consumer pattern: the entry is inserted in the same transaction as the message's
effect, so either both commit or neither does. A redelivered message finds its entry and does nothing;
a message whose handling failed left no entry and is handled again. Dead-lettered messages never get one.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg

from api.db import Databases


async def mark_processed(conn: psycopg.AsyncConnection[Any], consumer: str, event_id: uuid.UUID) -> bool:
    """Record the message in the caller's transaction; False if ``consumer`` processed it before.

    A concurrent twin holding the same entry uncommitted makes this wait for its outcome, so two
    workers of one group (briefly, during a rebalance) never both apply a message.
    """
    cur = await conn.execute(
        "INSERT INTO processed_events (consumer, event_id) VALUES (%s, %s) ON CONFLICT DO NOTHING RETURNING 1",
        (consumer, event_id),
    )
    return await cur.fetchone() is not None


async def was_processed(conn: psycopg.AsyncConnection[Any], consumer: str, event_id: uuid.UUID) -> bool:
    cur = await conn.execute(
        "SELECT 1 FROM processed_events WHERE consumer = %s AND event_id = %s", (consumer, event_id)
    )
    return await cur.fetchone() is not None


@asynccontextmanager
async def once(db: Databases, user_id: uuid.UUID | None, consumer: str, event_id: uuid.UUID) -> AsyncIterator[bool]:
    """A transaction on the user's shard (the catalog for events of no user) holding the log entry.

    Yields True for a new message: do the effect inside the block. An effect in another store (MongoDB,
    Redis, a provider) must be idempotent by itself: if the commit fails after it, the message comes
    back and the effect runs again. Raising inside the block rolls the entry back.
    """
    tx = db.user_tx(user_id) if user_id is not None else db.catalog_tx()
    async with tx as conn:
        yield await mark_processed(conn, consumer, event_id)
