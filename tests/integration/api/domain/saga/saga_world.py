"""Helpers of the saga tests: the orchestrator on the real stores, fed the order's own outbox events.

Orders are placed and moved through the real API (the shared fixtures); ``world.pump(customer, order)``
hands every event in the order's outbox, in commit order, to ``SagaOrchestrator.handle`` as the Kafka
consumer would (again and again: the message log turns repeats into duplicates). The clock is the real
one plus an offset that ``world.wake(seconds)`` moves forward before running the timer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis
from support.events import outbox_row_envelope
from support.shards import outbox_rows, shard_dsn

from api.db import Databases
from api.domain.delivery import DeliveryService, RedisFeed
from api.domain.delivery.settings import DeliverySettings
from api.domain.loyalty import LoyaltyService
from api.domain.notifications import NotificationService
from api.domain.notifications.ops import OpsAlerts
from api.domain.payments import build_payment_service
from api.domain.payments.settings import PaymentSettings
from api.domain.saga import Deadlines, Participants, Saga, SagaOrchestrator
from api.domain.saga import repositories as saga_rows
from pizza.config import PlatformSettings
from pizza.contracts.events import EventEnvelope
from pizza.money import Threshold

DEADLINES = Deadlines(payment_s=3600, kitchen_s=3600, rider_s=3600)
THREE_D_SECURE_CENTS = 31  # the simulated gateway asks for 3-D Secure on totals ending in .31
OPS_EMAIL = "ops-saga-tests@example.com"


@dataclass
class Clock:
    """Real time plus an offset: deadlines pass when a test moves the offset, not by sleeping."""

    offset: timedelta = field(default_factory=timedelta)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class SagaWorld:
    stack: PlatformSettings
    db: Databases
    redis: Redis
    mongo: AsyncDatabase[dict[str, Any]]
    notifier: NotificationService
    participants: Participants
    orchestrator: SagaOrchestrator
    clock: Clock
    notifications_file: Path

    def shard_dsn(self, user_id: uuid.UUID) -> str:
        return shard_dsn(self.stack, user_id)

    def outbox(self, user_id: uuid.UUID, order_id: uuid.UUID | str) -> list[EventEnvelope]:
        """The order's events in commit order, as the relay publishes them."""
        return [outbox_row_envelope(r) for r in outbox_rows(self.stack, user_id, order_id)]

    async def feed(self, envelopes: list[EventEnvelope], orchestrator: SagaOrchestrator | None = None) -> list[str]:
        orchestrator = orchestrator or self.orchestrator
        return [await orchestrator.handle(e, e.parse()) for e in envelopes]

    async def pump(self, user_id: uuid.UUID, order_id: uuid.UUID | str) -> list[str]:
        """Hand every event of the order to the saga, again until no new one appears (its steps write events).

        Returns the outcomes of the events not seen before: the ones handed over earlier come back as
        "duplicate" (checked here) and are left out."""
        outcomes: list[str] = []
        seen = 0
        while True:
            envelopes = self.outbox(user_id, order_id)
            if len(envelopes) == seen:
                return [o for o in outcomes if o != "duplicate"]
            batch = await self.feed(envelopes)
            assert set(batch[:seen]) <= {"duplicate"}, f"a handled event was applied again: {batch}"
            outcomes += batch[seen:]
            seen = len(envelopes)

    async def saga(self, user_id: uuid.UUID, order_id: uuid.UUID | str) -> Saga:
        async with self.db.pool_for_user(user_id).connection() as conn:
            saga = await saga_rows.get(conn, uuid.UUID(str(order_id)))
        assert saga is not None, f"no saga for order {order_id}"
        return saga

    async def steps(self, user_id: uuid.UUID, order_id: uuid.UUID | str) -> list[dict[str, Any]]:
        async with self.db.pool_for_user(user_id).connection() as conn:
            return await saga_rows.steps(conn, uuid.UUID(str(order_id)))

    async def wake(self, after_s: float) -> int:
        """Move the clock ``after_s`` forward and run one timer scan over every shard."""
        self.clock.offset += timedelta(seconds=after_s)
        return sum([await self.orchestrator.wake_due(shard) for shard in sorted(self.db.shards)])

    def row(self, user_id: uuid.UUID, sql: str, params: Any = None) -> dict[str, Any] | None:
        with psycopg.connect(self.shard_dsn(user_id), row_factory=dict_row) as conn:
            return conn.execute(sql, params).fetchone()

    def rows(self, user_id: uuid.UUID, sql: str, params: Any = None) -> list[dict[str, Any]]:
        with psycopg.connect(self.shard_dsn(user_id), row_factory=dict_row) as conn:
            return conn.execute(sql, params).fetchall()

    async def notifications(self, order_id: uuid.UUID | str) -> list[dict[str, Any]]:
        cursor = self.mongo["notification_log"].find({"order_id": str(order_id)})
        return [doc async for doc in cursor]

    def build_orchestrator(self, redis: Redis | None = None, clock: Clock | None = None) -> SagaOrchestrator:
        """Another orchestrator on the same stores (e.g. a second process, or one with a broken Redis)."""
        return SagaOrchestrator(self.db, self.build_participants(redis), DEADLINES, clock=clock or self.clock)

    def build_participants(self, redis: Redis | None = None) -> Participants:
        redis = redis or self.redis
        settings = PaymentSettings(gateway_attempts=1, sim_3ds_cents=THREE_D_SECURE_CENTS)
        payments = build_payment_service(self.db, redis, self.mongo, settings=settings)
        delivery = DeliveryService(self.db, redis, self.mongo, RedisFeed(redis), DeliverySettings())
        ops = OpsAlerts(self.notifier, OPS_EMAIL)
        return Participants(self.db, self.mongo, payments, delivery, LoyaltyService(self.db), ops)


ONE_PIZZA = [{"menu_item_id": "margherita", "size": "large", "toppings": [], "quantity": 1}]
# The shared fixtures' address is about 0.5 km from the restaurant: base + 1 km, set in dollars, charged in euros.
DELIVERY_FEE_CENTS = Threshold(199 + 50).in_currency("EUR")


def menu_with_price(price_cents: int) -> dict[str, Any]:
    return {
        "items": [
            {
                "id": "margherita", "name": "Margherita", "description": "Tomato, mozzarella, basil",
                "category": "pizza", "sizes": [{"name": "large", "price_cents": price_cents}],
                "toppings": [], "available": True, "tags": ["vegetarian"],
            }
        ]
    }  # fmt: skip
