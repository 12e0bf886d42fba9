"""Events as a consumer receives them: the envelope the CDC relay puts on ``events.<aggregate>``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from api.db import Databases
from pizza.contracts.events import Event, EventEnvelope, OutboxEvent


def envelope_of(event: Event, event_type: str | None = None, **payload: Any) -> EventEnvelope:
    """The envelope of ``event``'s outbox row; ``event_type`` and ``payload`` override what a test
    wants broken (an unknown type, a bad field)."""
    row = OutboxEvent.of(event)
    return EventEnvelope(
        event_id=row.event_id,
        event_type=event_type or row.event_type,
        schema_version=row.schema_version,
        aggregate_type=row.aggregate_type,
        aggregate_id=row.aggregate_id,
        occurred_at=datetime.now(UTC),
        payload={**row.payload, **payload},
    )


async def order_created_envelope(db: Databases, user_id: uuid.UUID, order_id: str) -> EventEnvelope:
    """The ``OrderCreated`` envelope of an order placed over HTTP, read from its shard's outbox, as the
    payment consumer would receive it without running the relay."""
    async with db.user_tx(user_id) as conn:
        cur = await conn.execute(
            "SELECT * FROM outbox WHERE aggregate_id = %s AND event_type = 'OrderCreated'", (order_id,)
        )
        row: dict[str, Any] = await cur.fetchone()  # type: ignore[assignment]
    return outbox_row_envelope(row)


def outbox_row_envelope(row: dict[str, Any]) -> EventEnvelope:
    """An outbox row as the relay publishes it and a consumer receives it."""
    fields = ("event_id", "event_type", "schema_version", "aggregate_type", "aggregate_id", "payload", "headers")
    return EventEnvelope(occurred_at=row["created_at"], **{f: row[f] for f in fields})
