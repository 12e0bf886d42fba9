"""The API-side consumer on the real broker and the real message log: each event's effect once, offsets
committed only after it, dead letters with their reason, transient errors retried without skipping."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from confluent_kafka import Consumer, Producer
from support.events import envelope_of

from api.db import Databases
from pizza.config import PlatformSettings
from pizza.contracts.cdc import DEAD_LETTER_TOPIC
from pizza.contracts.events import Event, EventEnvelope, OrderStatusChanged
from pizza.messaging.consumer import ConsumerOptions, EventConsumer
from pizza.messaging.topics import ensure_topics
from workers.saga.messagelog import once

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

TRANSIENT = (psycopg.OperationalError,)


def envelope(order_id: uuid.UUID | None = None, event_type: str | None = None, **payload: Any) -> EventEnvelope:
    event = OrderStatusChanged(
        order_id=order_id or uuid.uuid4(), user_id=uuid.uuid4(), restaurant_id=uuid.uuid4(), from_status="PAID",
        to_status="ACCEPTED", changed_at=datetime.now(UTC),
    )  # fmt: skip
    return envelope_of(event, event_type, **payload)


@dataclass
class Recorder:
    """A handler whose effect is its message-log entry, committed in the same transaction as the entry."""

    db: Databases
    consumer: str = field(default_factory=lambda: f"test-{uuid.uuid4().hex[:10]}")
    calls: list[uuid.UUID] = field(default_factory=list)
    effects: list[uuid.UUID] = field(default_factory=list)
    refuse: set[uuid.UUID] = field(default_factory=set)  # raise a domain error: can never succeed
    flaky: dict[uuid.UUID, int] = field(default_factory=dict)  # fail transiently this many more times

    async def __call__(self, envelope: EventEnvelope, event: Event) -> str:
        self.calls.append(envelope.event_id)
        async with once(self.db, None, self.consumer, envelope.event_id) as new:
            if not new:
                return "duplicate"
            if envelope.event_id in self.refuse:
                raise LookupError(f"no order {envelope.aggregate_id}")
            if self.flaky.get(envelope.event_id, 0) > 0:
                self.flaky[envelope.event_id] -= 1
                raise psycopg.OperationalError("the shard went away")
            self.effects.append(envelope.event_id)
        return "applied"

    async def logged(self) -> set[uuid.UUID]:
        async with self.db.catalog.connection() as conn:
            cur = await conn.execute("SELECT event_id FROM processed_events WHERE consumer = %s", (self.consumer,))
            return {r["event_id"] for r in await cur.fetchall()}  # type: ignore[call-overload]


def new_topic(stack: PlatformSettings, partitions: int = 1) -> str:
    topic = f"test.saga-consumer.{uuid.uuid4().hex[:10]}"
    ensure_topics(stack.kafka, [topic, DEAD_LETTER_TOPIC], partitions, 1)
    return topic


def produce(stack: PlatformSettings, topic: str, values: list[bytes], key: bytes = b"order-1") -> None:
    producer = Producer({"bootstrap.servers": stack.kafka, "enable.idempotence": True})
    for value in values:
        producer.produce(topic, key=key, value=value)
    assert producer.flush(30) == 0


def consumer(
    stack: PlatformSettings, topic: str, handler: Any, group: str | None = None, **options: Any
) -> EventConsumer:
    opts = ConsumerOptions(
        group_id=group or f"test-{uuid.uuid4().hex[:10]}", session_timeout_ms=2000, poll_timeout_s=0.2,
        **{"attempts": 3, "backoff_s": 0.01, **options},
    )  # fmt: skip
    c = EventConsumer("test", [topic], handler, bootstrap=stack.kafka, options=opts, transient=TRANSIENT)
    c.consumer.subscribe([topic])
    return c


async def poll_until(c: EventConsumer, done: Callable[[], bool | Awaitable[bool]], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        await c.poll_once()
        result = done()
        if result if isinstance(result, bool) else await result:
            return
    raise AssertionError("condition not reached in time")


async def close(c: EventConsumer) -> None:
    await asyncio.to_thread(c.consumer.close)


def dead_letters(stack: PlatformSettings, topic: str, expected: int, timeout_s: float = 30) -> list[dict[str, Any]]:
    """The dead letters that came from ``topic`` (the DLQ is shared), with their headers decoded."""
    reader = Consumer({"bootstrap.servers": stack.kafka, "group.id": f"dlq-{uuid.uuid4().hex[:8]}",
                       "auto.offset.reset": "earliest", "session.timeout.ms": 2000})  # fmt: skip
    reader.subscribe([DEAD_LETTER_TOPIC])
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline and len(found) < expected:
            for m in reader.consume(100, 0.5):
                if m.error():
                    continue
                headers = {k: (v or b"").decode() for k, v in m.headers() or []}
                if headers.get("dlq.topic") == topic:
                    found.append({"value": m.value(), **headers})
    finally:
        reader.close()
    return found


async def test_each_event_takes_effect_once_and_offsets_are_committed_after_it(
    stack: PlatformSettings, databases: Databases
) -> None:
    topic = new_topic(stack, partitions=2)
    events = [envelope() for _ in range(5)]
    values = [e.model_dump_json().encode() for e in events]
    produce(stack, topic, [*values, values[1], values[3]])  # the relay is at least once: two repeats
    recorder = Recorder(databases)
    group = f"test-{uuid.uuid4().hex[:10]}"

    first = consumer(stack, topic, recorder, group)
    await poll_until(first, lambda: len(recorder.calls) == 7)
    await close(first)
    assert sorted(recorder.effects) == sorted(e.event_id for e in events)
    assert await recorder.logged() == {e.event_id for e in events}

    again = consumer(stack, topic, recorder, group)  # same group: resumes after the committed offsets
    await poll_until(again, lambda: bool(again.consumer.assignment()))
    for _ in range(10):
        await again.poll_once()
    await close(again)
    assert len(recorder.calls) == 7

    replay = consumer(stack, topic, recorder)  # a new group reads everything again: all duplicates
    await poll_until(replay, lambda: len(recorder.calls) == 14)
    await close(replay)
    assert len(recorder.effects) == 5


async def test_messages_that_can_never_be_processed_are_dead_lettered_with_the_reason_and_never_logged(
    stack: PlatformSettings, databases: Databases
) -> None:
    topic = new_topic(stack)
    unknown = envelope(event_type="OrderTeleported")
    invalid = envelope(to_status="TELEPORTED")
    refused, good = envelope(), envelope()
    recorder = Recorder(databases, refuse={refused.event_id})
    values = [b"{not json", unknown.model_dump_json().encode(), invalid.model_dump_json().encode(),
              refused.model_dump_json().encode(), good.model_dump_json().encode()]  # fmt: skip
    produce(stack, topic, values)
    c = consumer(stack, topic, recorder)
    await poll_until(c, lambda: good.event_id in recorder.effects)
    await close(c)

    letters = dead_letters(stack, topic, expected=4)
    reasons = [letter["dlq.reason"] for letter in sorted(letters, key=lambda x: int(x["dlq.offset"]))]
    assert len(reasons) == 4
    assert reasons[0].startswith("not an EventEnvelope v1")
    assert reasons[1] == "unknown event type 'OrderTeleported'"
    assert reasons[2].startswith("invalid OrderStatusChanged payload: to_status")
    assert reasons[3] == f"OrderStatusChanged {refused.event_id}: LookupError: no order {refused.aggregate_id}"
    assert {letter["value"] for letter in letters} == set(values[:4])  # the original message, untouched
    assert {letter["dlq.consumer"] for letter in letters} == {f"test:{c.options.group_id}"}
    assert await recorder.logged() == {good.event_id}  # a dead letter is never marked done
    assert recorder.effects == [good.event_id]


async def test_transient_errors_are_retried_and_a_persisting_one_is_polled_again_without_skipping(
    stack: PlatformSettings, databases: Databases
) -> None:
    topic = new_topic(stack)
    a, b, c_ = envelope(), envelope(), envelope()
    recorder = Recorder(databases, flaky={a.event_id: 2, b.event_id: 7})  # b outlasts a poll's three attempts
    produce(stack, topic, [e.model_dump_json().encode() for e in (a, b, c_)])
    c = consumer(stack, topic, recorder, attempts=3)
    await poll_until(c, lambda: c_.event_id in recorder.effects)
    await close(c)
    assert recorder.effects == [a.event_id, b.event_id, c_.event_id]  # order kept: c waited for b
    assert recorder.calls.count(a.event_id) == 3
    assert recorder.calls.count(b.event_id) == 8
    assert await recorder.logged() == {a.event_id, b.event_id, c_.event_id}
