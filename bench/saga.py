"""Throughput of saga steps and of the event consumer, each beside a baseline measured in the same run.

* Saga steps (``SagaOrchestrator.handle``, no Kafka): an ``OrderStatusChanged:ACCEPTED`` moving a saga
  from AWAITING_KITCHEN to IN_KITCHEN (a step with no domain action: the saga's own cost), and the
  same events redelivered (duplicates). Baseline: one shard transaction doing the bookkeeping a step
  cannot avoid (insert the message-log entry, lock and update the saga row).
* The consumer (real broker): messages per second through ``EventConsumer`` with a no-op handler and
  with the saga handler, beside a bare confluent-kafka consumer reading the same topic.

Synthetic sagas are written straight into ``order_sagas`` (no orders, payments or riders) and deleted
afterwards. Runs on a private stack of its own (``.pizza-bench/saga/``, ports from ``--port-base``;
see bench/stack.py), started and stopped here; ``--target-existing-stack`` runs it on the stack the
``PIZZA_*`` environment names instead:

    uv run python bench/saga.py --count 500 --concurrency 4 [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import psycopg
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition

from api.db import Databases
from api.domain.saga import Deadlines, SagaOrchestrator
from bench.results import Figure, Report, add_json_argument
from bench.stack import add_stack_arguments, bench_stack
from pizza.config import PlatformSettings
from pizza.contracts.events import Event, EventEnvelope, OrderStatusChanged, OutboxEvent
from pizza.ids import new_id
from pizza.logs import configure_logging
from pizza.messaging.consumer import ConsumerOptions, EventConsumer
from pizza.messaging.messagelog import mark_processed
from pizza.messaging.topics import ensure_topics

BENCH = "bench-saga"
WRITES = (
    "3 x --count synthetic sagas in order_sagas with their processed_events (deleted at the end), "
    "and --count events on a scratch topic bench.saga.*"
)


def accepted(order_id: uuid.UUID, user_id: uuid.UUID, restaurant_id: uuid.UUID) -> EventEnvelope:
    event = OrderStatusChanged(
        order_id=order_id, user_id=user_id, restaurant_id=restaurant_id, from_status="PAID", to_status="ACCEPTED",
        changed_at=datetime.now(UTC),
    )  # fmt: skip
    row = OutboxEvent.of(event)
    return EventEnvelope(
        event_id=row.event_id, event_type=row.event_type, schema_version=row.schema_version,
        aggregate_type=row.aggregate_type, aggregate_id=row.aggregate_id, occurred_at=datetime.now(UTC),
        payload=row.payload,
    )  # fmt: skip


async def seed(db: Databases, count: int) -> list[EventEnvelope]:
    """``count`` sagas waiting for the kitchen, and the ACCEPTED event of each."""
    envelopes = []
    for _ in range(count):
        order_id, user_id, restaurant_id = new_id(), uuid.uuid4(), uuid.uuid4()
        async with db.user_tx(user_id) as conn:
            await conn.execute(
                """INSERT INTO order_sagas (order_id, user_id, restaurant_id, state, order_status, reason)
                   VALUES (%s, %s, %s, 'AWAITING_KITCHEN', 'PAID', %s)""",
                (order_id, user_id, restaurant_id, BENCH),
            )
        envelopes.append(accepted(order_id, user_id, restaurant_id))
    return envelopes


async def cleanup(db: Databases) -> None:
    for pool in db.shards.values():
        async with pool.connection() as conn:
            await conn.execute("DELETE FROM order_sagas WHERE reason = %s", (BENCH,))
            await conn.execute("DELETE FROM processed_events WHERE consumer LIKE 'bench-%%'")


async def rate(items: list[Any], work: Callable[[Any], Awaitable[Any]], concurrency: int) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def one(item: Any) -> None:
        async with gate:
            await work(item)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in items))
    return len(items) / (time.perf_counter() - started)


async def baseline_step(db: Databases, envelope: EventEnvelope, consumer: str) -> None:
    """The bookkeeping of a step: message-log entry, saga row locked and updated, in one transaction."""
    user_id = uuid.UUID(envelope.payload["user_id"])
    async with db.user_tx(user_id) as conn:
        await mark_processed(conn, consumer, envelope.event_id)
        await conn.execute("SELECT 1 FROM order_sagas WHERE order_id = %s FOR UPDATE", (envelope.aggregate_id,))
        await conn.execute(
            "UPDATE order_sagas SET version = version + 1, updated_at = now() WHERE order_id = %s",
            (envelope.aggregate_id,),
        )


def produce(bootstrap: str, topic: str, envelopes: list[EventEnvelope]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for e in envelopes:
        producer.produce(topic, key=e.aggregate_id.encode(), value=e.model_dump_json().encode())
    assert producer.flush(60) == 0


def from_start(topic: str) -> list[TopicPartition]:
    """Partition 0 from its first offset: assigned directly, so no group join is timed."""
    return [TopicPartition(topic, 0, OFFSET_BEGINNING)]


def bare_consume(bootstrap: str, topic: str, count: int) -> float:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-{uuid.uuid4().hex[:8]}",
                         "enable.auto.commit": False})  # fmt: skip
    consumer.assign(from_start(topic))
    got, started = 0, time.perf_counter()
    while got < count:
        got += len([m for m in consumer.consume(500, 1.0) if m.error() is None])
    elapsed = time.perf_counter() - started
    consumer.close()
    return count / elapsed


async def through_consumer(
    bootstrap: str, topic: str, count: int, handler: Callable[[EventEnvelope, Event], Awaitable[str]]
) -> float:
    options = ConsumerOptions(group_id=f"bench-{uuid.uuid4().hex[:8]}", session_timeout_ms=6000, batch_size=500)
    consumer = EventConsumer("bench", [topic], handler, bootstrap=bootstrap, options=options,
                             transient=(psycopg.OperationalError,))  # fmt: skip
    consumer.consumer.assign(from_start(topic))
    started = time.perf_counter()
    while consumer.handled < count:
        await consumer.poll_once()
    elapsed = time.perf_counter() - started
    await asyncio.to_thread(consumer.consumer.close)
    return count / elapsed


async def main(platform: PlatformSettings, count: int, concurrency: int) -> Report:
    report = Report("saga", {"count": count, "concurrency": concurrency})
    db = Databases(platform, min_size=1, max_size=max(4, concurrency * 2))
    await db.open()
    deadlines = Deadlines(3600, 3600, 3600)
    try:
        print(f"saga steps: {count} sagas, {concurrency} concurrent, shards: {len(db.shards)}")
        base_envelopes = await seed(db, count)
        base = await rate(base_envelopes, lambda e: baseline_step(db, e, "bench-baseline"), concurrency)
        envelopes = await seed(db, count)
        orchestrator = SagaOrchestrator(db, None, deadlines)  # type: ignore[arg-type]  # these steps call no domain
        orchestrator.consumer = "bench-saga"
        steps = await rate(envelopes, lambda e: orchestrator.handle(e, e.parse()), concurrency)
        again = await rate(envelopes, lambda e: orchestrator.handle(e, e.parse()), concurrency)
        print(f"  baseline: message-log entry + saga row lock + update, one transaction  {base:8.0f} /s")
        print(f"  saga step AWAITING_KITCHEN -> IN_KITCHEN (plan, step log, metrics)      {steps:8.0f} /s")
        print(f"  the same events redelivered (message log says duplicate)              {again:8.0f} /s")
        step_base = "message-log entry + saga row lock + update, one transaction"
        report.add(Figure("saga step AWAITING_KITCHEN -> IN_KITCHEN", steps, "steps/s", step_base, base))
        report.add(Figure("saga step redelivered (duplicate)", again, "steps/s", step_base, base))

        topic = f"bench.saga.{uuid.uuid4().hex[:8]}"
        ensure_topics(platform.kafka, [topic], 1, 1)
        kafka_envelopes = await seed(db, count)
        produce(platform.kafka, topic, kafka_envelopes)
        bare = bare_consume(platform.kafka, topic, count)

        async def noop(_envelope: EventEnvelope, _event: Event) -> str:
            return "noop"

        decoded = await through_consumer(platform.kafka, topic, count, noop)
        orchestrator.consumer = "bench-saga-kafka"
        saga = await through_consumer(platform.kafka, topic, count, orchestrator.handle)
        print(f"consumer: {count} messages on one partition")
        print(f"  baseline: bare confluent-kafka consume                                {bare:8.0f} /s")
        print(f"  EventConsumer, no-op handler (decode, validate, commit per batch)     {decoded:8.0f} /s")
        print(f"  EventConsumer, saga handler                                           {saga:8.0f} /s")
        report.add(Figure("EventConsumer, no-op handler", decoded, "messages/s", "bare confluent-kafka consume", bare))
        report.add(Figure("EventConsumer, saga handler", saga, "messages/s", "bare confluent-kafka consume", bare))
    finally:
        await cleanup(db)
        await db.close()
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=4)
    add_stack_arguments(parser)
    add_json_argument(parser)
    args = parser.parse_args()
    configure_logging("WARNING")
    with bench_stack("saga", args, services=("pg", "kafka"), writes=WRITES) as settings:
        result = asyncio.run(main(settings, args.count, args.concurrency))
    result.write(args.json)
