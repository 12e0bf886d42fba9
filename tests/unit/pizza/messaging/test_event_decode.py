"""What the consumer can never process is told apart from what it can, with a reason fit for the DLQ."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest

from pizza.contracts.events import EventEnvelope, OrderStatusChanged, OutboxEvent
from pizza.messaging.consumer import ConsumerOptions, consumer_config, decode

pytestmark = pytest.mark.unit


def message(event_type: str | None = None, schema_version: int | None = None, **payload: object) -> bytes:
    event = OrderStatusChanged(
        order_id=uuid.uuid4(), user_id=uuid.uuid4(), restaurant_id=uuid.uuid4(), from_status="PAID",
        to_status="ACCEPTED", changed_at=datetime.now(UTC),
    )  # fmt: skip
    row = OutboxEvent.of(event)
    return EventEnvelope(
        event_id=row.event_id, event_type=event_type or row.event_type,
        schema_version=schema_version or row.schema_version, aggregate_type=row.aggregate_type,
        aggregate_id=row.aggregate_id, occurred_at=datetime.now(UTC), payload={**row.payload, **payload},
    ).model_dump_json().encode()  # fmt: skip


def test_a_valid_message_decodes_to_its_envelope_and_typed_event() -> None:
    envelope, event = decode(message())
    assert isinstance(event, OrderStatusChanged)
    assert str(event.order_id) == envelope.aggregate_id


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "empty message"),
        (b"{not json", "not an EventEnvelope v1: value: Invalid JSON"),
        (b'{"event_type": "OrderCreated"}', "not an EventEnvelope v1: event_id: Field required"),
        (message(event_type="OrderTeleported"), "unknown event type 'OrderTeleported'"),
        (message(to_status="TELEPORTED"), "invalid OrderStatusChanged payload: to_status: Input should be"),
        (message(schema_version=2), "OrderStatusChanged v2 not understood (speak v1)"),
    ],
)
def test_what_can_never_be_processed_raises_with_the_reason(value: bytes | None, reason: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(reason)):
        decode(value)


def test_offsets_are_only_committed_by_hand_and_a_new_group_starts_from_the_beginning() -> None:
    config = consumer_config("broker:9092", "saga", ConsumerOptions(group_id="pizza-saga", session_timeout_ms=6000))
    assert config["enable.auto.commit"] is False
    assert config["auto.offset.reset"] == "earliest"
    assert config["heartbeat.interval.ms"] == 2000  # well within the session
