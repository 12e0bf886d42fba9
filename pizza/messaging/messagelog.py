"""The consumers' message log: ``processed_events (consumer, event_id)`` on every shard and the catalog.

Debezium's outbox-consumer pattern: the entry is inserted in the same transaction as the message's
effect, so either both commit or neither does. A redelivered message finds its entry and does nothing;
a message whose handling failed left no entry and is handled again. Dead-lettered messages never get one.
"""

from __future__ import annotations

import uuid
from typing import Any

import psycopg


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
