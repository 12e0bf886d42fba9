"""Throughput of the payment saga step and of notify(), each beside a baseline measured in the same run.

Baselines are the bare store work each step cannot avoid: for a payment, one shard transaction that
inserts a payment row and an outbox row; for a notification, one MongoDB insert. The ratio tells what
the service adds (gateway call, fraud facts, guarded updates, the orders port, rendering, the log).

Runs on a private stack of its own (``.pizza-bench/payments_notifications/``, ports from
``--port-base``; see bench/stack.py), started and stopped here; ``--target-existing-stack`` runs it on
the stack the ``PIZZA_*`` environment names instead:

    uv run python bench/payments_notifications.py --count 200 --concurrency 8 [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from api.db import Databases
from api.domain.notifications import NotificationService
from api.domain.notifications.providers import LogFileProvider
from api.domain.notifications.repositories import NotificationLog, Preferences, save_preferences
from api.domain.notifications.settings import NotifySettings
from api.domain.payments import PaymentService
from api.domain.payments.providers import SimulatedGateway
from api.domain.payments.settings import PaymentSettings
from bench.results import Figure, Report, add_json_argument
from bench.stack import add_stack_arguments, bench_stack
from pizza.config import PlatformSettings
from pizza.contracts.events import EventEnvelope, OrderCreated, OrderLine, OutboxEvent, PaymentSucceeded
from pizza.ids import new_id

WRITES = (
    "4 x --count payments with their outbox rows and status history rows, --count users with notification "
    "preferences on the shards; payment fraud counters in Redis; notification log entries and a scratch "
    "collection (dropped) in MongoDB"
)


class HistoryOnlyOrders:
    """The order move reduced to one history row: measures the payment side, not the orders domain."""

    async def change_in_tx(
        self, conn: AsyncConnection[Any], *, order_id: uuid.UUID, user_id: uuid.UUID, to_status: str, reason: str
    ) -> object:
        await conn.execute(
            "INSERT INTO order_status_history (order_id, seq, to_status, reason) VALUES (%s, 1, %s, %s)",
            (order_id, to_status, reason),
        )
        return None

    async def after_commit(self, change: object) -> None:
        return None


def envelope_of(event: OrderCreated | PaymentSucceeded) -> EventEnvelope:
    row = OutboxEvent.of(event)
    return EventEnvelope(**row.model_dump(), occurred_at=datetime.now(UTC))


def order_created(user_id: uuid.UUID) -> EventEnvelope:
    return envelope_of(
        OrderCreated(
            order_id=new_id(), user_id=user_id, restaurant_id=uuid.uuid4(), city="Berlin", currency="EUR",
            subtotal_cents=2400, discount_cents=0, delivery_fee_cents=0, total_cents=2400, created_at=datetime.now(UTC),
            items=[OrderLine(menu_item_id="margherita", name="Margherita", quantity=2, unit_price_cents=1200)],
        )
    )  # fmt: skip


async def timed(label: str, jobs: Iterable[Callable[[], Awaitable[object]]], concurrency: int) -> float:
    queue = list(jobs)
    count = len(queue)
    started = time.perf_counter()

    async def worker() -> None:
        while queue:
            await queue.pop()()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    rate = count / (time.perf_counter() - started)
    print(f"  {label:<52} {rate:10.0f} /s")
    return rate


async def main(platform: PlatformSettings, count: int, concurrency: int) -> Report:
    report = Report("payments_notifications", {"count": count, "concurrency": concurrency})
    db = Databases(platform, min_size=1, max_size=concurrency)
    await db.open()
    redis = Redis.from_url(platform.redis)
    mongo_client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(platform.mongo)
    mongo = mongo_client[platform.mongo_database]
    try:
        print(f"payments: {count} orders, concurrency {concurrency}")
        settings = PaymentSettings(fraud_max_payments_per_user=10**6, fraud_max_payments_per_card=10**6,
                                   fraud_new_user_cap_cents=10**9)  # fmt: skip
        service = PaymentService(db, redis, SimulatedGateway(settings), settings, HistoryOnlyOrders())

        async def baseline_payment() -> None:
            user_id = uuid.uuid4()
            async with db.user_tx(user_id) as conn:
                await conn.execute(
                    "INSERT INTO payments (payment_id, order_id, user_id, amount_cents, currency, status, provider) "
                    "VALUES (%s, %s, %s, 2400, 'EUR', 'SUCCEEDED', 'baseline')",
                    (new_id(), new_id(), user_id),
                )
                event = OutboxEvent.of(
                    PaymentSucceeded(order_id=new_id(), payment_id=new_id(), user_id=user_id, amount_cents=2400,
                                     currency="EUR", provider="baseline")
                )  # fmt: skip
                await conn.execute(
                    "INSERT INTO outbox (event_id, aggregate_type, aggregate_id, event_type, schema_version, payload) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    (event.event_id, event.aggregate_type, event.aggregate_id, event.event_type, 1,
                     Jsonb(event.payload)),
                )  # fmt: skip

        base = await timed("baseline: payment row + outbox row, one transaction", [baseline_payment] * count,
                           concurrency)  # fmt: skip
        envelopes = [order_created(uuid.uuid4()) for _ in range(count)]
        jobs = [lambda e=e: service.handle_order_created(e) for e in envelopes]
        rate = await timed("handle_order_created (simulated gateway)", jobs, concurrency)
        replays = [lambda e=e: service.handle_order_created(e) for e in envelopes]
        replay = await timed("handle_order_created, redelivered (no effect)", replays, concurrency)
        print(f"  service / baseline: {rate / base:.2f}x; redelivery / baseline: {replay / base:.2f}x")
        pay_base = "payment row + outbox row, one transaction"
        report.add(Figure("payment step (simulated gateway)", rate, "payments/s", pay_base, base))
        report.add(Figure("payment step redelivered (no effect)", replay, "payments/s", pay_base, base))

        print(f"notifications: {count} events, concurrency {concurrency}")
        users = [uuid.uuid4() for _ in range(count)]
        for user_id in users:
            async with db.user_tx(user_id) as conn:
                await conn.execute(
                    "INSERT INTO users (user_id, email, name, password_hash) VALUES (%s, %s, 'Bench', 'x')",
                    (user_id, f"bench-{user_id.hex}@example.com"),
                )
                await save_preferences(conn, user_id, Preferences(channels=("email",)))
        scratch = mongo[f"bench_{uuid.uuid4().hex[:8]}"]
        base = await timed("baseline: one MongoDB insert", [lambda: scratch.insert_one({"x": 1})] * count, concurrency)
        await scratch.drop()
        with tempfile.TemporaryDirectory() as tmp:
            provider = LogFileProvider(Path(tmp) / "out.jsonl")
            notifier = NotificationService(db, NotificationLog(mongo), {"email": provider, "sms": provider},
                                           NotifySettings())  # fmt: skip
            events = [
                envelope_of(PaymentSucceeded(order_id=new_id(), payment_id=new_id(), user_id=u, amount_cents=2400,
                                             currency="EUR", provider="simulated"))
                for u in users
            ]  # fmt: skip
            rate = await timed(
                "notify (log provider)", [functools.partial(notifier.notify, e) for e in events], concurrency
            )
            sends = [functools.partial(notifier.notify, e) for e in events]
            replay = await timed("notify, redelivered (duplicate)", sends, concurrency)
        print(f"  service / baseline: {rate / base:.2f}x; redelivery / baseline: {replay / base:.2f}x")
        report.add(Figure("notify (log provider)", rate, "notifications/s", "one MongoDB insert", base))
        report.add(Figure("notify redelivered (duplicate)", replay, "notifications/s", "one MongoDB insert", base))
    finally:
        await db.close()
        await redis.aclose()
        await mongo_client.close()
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    add_stack_arguments(parser)
    add_json_argument(parser)
    args = parser.parse_args()
    with bench_stack("payments_notifications", args, services=("pg", "redis", "mongo"), writes=WRITES) as settings:
        result = asyncio.run(main(settings, args.count, args.concurrency))
    result.write(args.json)
