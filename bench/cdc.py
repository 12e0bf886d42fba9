"""CDC relay benchmark: events/s through the relay and commit -> Kafka latency, beside a raw producer.

    uv run python bench/cdc.py [--orders 5000] [--rate 100] [--seconds 10] [--json PATH]

Runs on a private stack of its own (``.pizza-bench/cdc/``, ports from ``--port-base``; see
bench/stack.py), started and stopped here: the synthetic orders it commits (their user_ids belong to
no user), its slots and its topics never reach the platform in use. ``--target-existing-stack`` runs
it on the stack the ``PIZZA_*`` environment names instead (its slots are dropped at the end there).

1. backlog: ``--orders`` orders are committed first, then the relay drains them; messages/s.
2. baseline: a plain confluent-kafka producer sends as many messages of the same average size,
   with the relay's producer settings, to a scratch topic on the same broker; messages/s.
3. latency: a writer commits ``--rate`` orders/s for ``--seconds`` while the relay runs; the
   time from each transaction's commit to Kafka's acknowledgement, p50 and p99.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
import uuid
from datetime import UTC, datetime

import psycopg
from confluent_kafka import Producer
from psycopg.types.json import Jsonb

from bench.results import Figure, Report, add_json_argument
from bench.stack import add_stack_arguments, bench_stack
from pizza.config import PlatformSettings
from pizza.contracts.events import OrderCreated, OrderLine, OutboxEvent
from pizza.db.shards import ShardMap
from pizza.ids import new_id
from pizza.messaging.topics import TopicManager
from streaming.relay.app import CdcRelay, build_relay
from streaming.relay.publisher import producer_config
from streaming.relay.routing import OutgoingMessage
from streaming.relay.status import drop_slots
from streaming.settings import CdcSettings


class Writer:
    """Synthetic orders as the API writes them: order, 2 items, status history, outbox event."""

    def __init__(self, settings: PlatformSettings) -> None:
        with psycopg.connect(settings.catalog) as conn:
            self.shard_map = ShardMap.load(conn)
        self.conns = {name: psycopg.connect(dsn) for name, dsn in settings.shards.items()}

    def write(self, count: int) -> None:
        """``count`` orders, one transaction per shard and call."""
        per_shard: dict[str, list[tuple]] = {}
        for _ in range(count):
            user_id, order_id, now = new_id(), new_id(), datetime.now(UTC)
            per_shard.setdefault(self.shard_map.shard_for_user(user_id), []).append((user_id, order_id, now))
        for shard, orders in per_shard.items():
            conn = self.conns[shard]
            with conn.transaction(), conn.cursor() as cur:
                restaurant = uuid.uuid4()
                cur.executemany(
                    "INSERT INTO orders (order_id, user_id, restaurant_id, status, currency, subtotal_cents,"
                    " total_cents, city, delivery_address, created_at) VALUES (%s,%s,%s,'PENDING','EUR',1800,1800,"
                    "'Napoli','{}',%s)",
                    [(o, u, restaurant, t) for u, o, t in orders],
                )
                cur.executemany(
                    "INSERT INTO order_items (order_id, line_no, order_created_at, menu_item_id, name, quantity,"
                    " unit_price_cents, line_total_cents) VALUES (%s,%s,%s,'m1','Margherita',1,900,900)",
                    [(o, n, t) for _, o, t in orders for n in (0, 1)],
                )
                cur.executemany(
                    "INSERT INTO order_status_history (order_id, seq, to_status) VALUES (%s, 1, 'PENDING')",
                    [(o,) for _, o, _ in orders],
                )
                events = [self._event(u, o, restaurant, t) for u, o, t in orders]
                cur.executemany(
                    "INSERT INTO outbox (event_id, aggregate_type, aggregate_id, event_type, schema_version, payload)"
                    " VALUES (%s,%s,%s,%s,%s,%s)",
                    [(e.event_id, e.aggregate_type, e.aggregate_id, e.event_type, 1, Jsonb(e.payload)) for e in events],
                )

    @staticmethod
    def _event(user_id: uuid.UUID, order_id: uuid.UUID, restaurant_id: uuid.UUID, at: datetime) -> OutboxEvent:
        line = OrderLine(menu_item_id="m1", name="Margherita", quantity=2, unit_price_cents=900)
        return OutboxEvent.of(
            OrderCreated(
                order_id=order_id,
                user_id=user_id,
                restaurant_id=restaurant_id,
                city="Napoli",
                currency="EUR",
                subtotal_cents=1800,
                discount_cents=0,
                delivery_fee_cents=0,
                total_cents=1800,
                items=[line],
                created_at=at,
            )
        )

    def close(self) -> None:
        for conn in self.conns.values():
            conn.close()


def backlog(relay: CdcRelay, writer: Writer, orders: int) -> tuple[float, int, int]:
    """Drain a backlog; (messages/s, messages, total value bytes)."""
    for start in range(0, orders, 500):
        writer.write(min(500, orders - start))
    sizes: list[int] = []
    relay.extra_ack_hook = lambda message, _at: sizes.append(len(message.value))
    started = time.perf_counter()
    relay.run(until_idle=True)
    elapsed = time.perf_counter() - started
    relay.extra_ack_hook = None
    return len(sizes) / elapsed, len(sizes), sum(sizes)


def raw_producer(settings: PlatformSettings, cdc: CdcSettings, count: int, size: int) -> float:
    topic = f"bench.raw.{uuid.uuid4().hex[:8]}"
    TopicManager(settings.kafka, settings.kafka_partitions, 1).ensure([topic])
    producer = Producer(producer_config(settings.kafka, cdc.producer))
    value = b"x" * size
    started = time.perf_counter()
    for n in range(count):
        while True:
            try:
                producer.produce(topic, key=str(n).encode(), value=value)
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    assert producer.flush(60) == 0
    elapsed = time.perf_counter() - started
    del producer
    return count / elapsed


def latency(relay: CdcRelay, writer: Writer, rate: int, seconds: float) -> list[float]:
    delays: list[float] = []

    def record(message: OutgoingMessage, acked_at: float) -> None:
        delays.append(acked_at - message.commit_ts_ms / 1000)

    relay.extra_ack_hook = record
    stop = threading.Event()
    runner = threading.Thread(target=relay.run, args=(stop,))
    runner.start()
    tick = 0.1
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        began = time.monotonic()
        writer.write(max(1, int(rate * tick)))
        time.sleep(max(0.0, tick - (time.monotonic() - began)))
    time.sleep(2)  # let the last commits through
    stop.set()
    runner.join()
    return delays


WRITES = (
    "--orders orders plus --rate x --seconds more (orders, items, status history, outbox) on every shard, "
    "for user_ids that belong to no user; the relay's slots (dropped at the end), the cdc.* and events.* "
    "topics it publishes to, and one scratch topic bench.raw.*"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--rate", type=int, default=100, help="orders per second in the latency phase")
    parser.add_argument("--seconds", type=float, default=10)
    add_stack_arguments(parser)
    add_json_argument(parser)
    args = parser.parse_args()

    report = Report("cdc", {"orders": args.orders, "rate": args.rate, "seconds": args.seconds})
    with bench_stack("cdc", args, services=("pg", "kafka"), writes=WRITES) as settings:
        cdc = CdcSettings(slot_prefix=f"bench_{uuid.uuid4().hex[:8]}", poll_interval_s=0.02)
        relay = build_relay(settings, cdc)
        writer = Writer(settings)
        try:
            relay.run(until_idle=True)  # slots exist from here on
            rate, count, total = backlog(relay, writer, args.orders)
            baseline = raw_producer(settings, cdc, count, max(1, total // max(1, count)))
            delays = sorted(latency(relay, writer, args.rate, args.seconds))
        finally:
            writer.close()
            relay.close()
            drop_slots(settings, cdc)
            del relay  # its producer goes now, not after the broker has stopped (no reconnect noise)

    average = total // max(1, count)
    print(f"\nCDC relay, {args.orders} orders ({count} messages, {average} B average value)")
    print(f"  relay backlog drain     {rate:>10,.0f} messages/s")
    print(f"  raw producer baseline   {baseline:>10,.0f} messages/s   (same broker, count, size, producer settings)")
    print(f"  relay / baseline        {rate / baseline:>10.1%}")
    raw = "raw confluent-kafka producer, same broker, count, size and settings"
    params = {"messages": count, "average_bytes": average}
    report.add(Figure("relay backlog drain", rate, "messages/s", raw, baseline, params=params))
    if delays:
        p50 = statistics.median(delays)
        p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
        print(
            f"  commit -> Kafka ack     p50 {p50 * 1000:,.0f} ms, p99 {p99 * 1000:,.0f} ms "
            f"({len(delays)} messages at {args.rate} orders/s for {args.seconds:.0f}s)"
        )
        report.notes["commit_to_ack_ms"] = {"p50": p50 * 1000, "p99": p99 * 1000, "messages": len(delays),
                                            "baseline": "none in this benchmark"}  # fmt: skip
    report.write(args.json)


if __name__ == "__main__":
    main()
