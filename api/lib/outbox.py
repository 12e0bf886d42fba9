"""The transactional outbox writer: every state change inserts its event row in the same transaction.

The row shape is ``pizza.contracts.events.OutboxEvent`` (one factory, ``OutboxEvent.of(event)``); the
CDC relay captures committed rows from the WAL. Used on the shards and in the catalog alike.
"""

from __future__ import annotations

import psycopg
from psycopg.types.json import Jsonb

from pizza.contracts.events import Event, OutboxEvent


async def write_outbox(conn: psycopg.AsyncConnection, event: Event, **headers: str) -> OutboxEvent:
    """Insert the outbox row of ``event`` in the caller's transaction and return it."""
    row = OutboxEvent.of(event, **headers)
    await conn.execute(
        """INSERT INTO outbox (event_id, aggregate_type, aggregate_id, event_type, schema_version, payload, headers)
           VALUES (%s, %s, %s, %s, %s, %s, %s)""",
        (
            row.event_id,
            row.aggregate_type,
            row.aggregate_id,
            row.event_type,
            row.schema_version,
            Jsonb(row.payload),
            Jsonb(row.headers),
        ),
    )
    return row
