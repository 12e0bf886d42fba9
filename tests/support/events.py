"""Events as a consumer receives them: the envelope the CDC relay puts on ``events.<aggregate>``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

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
