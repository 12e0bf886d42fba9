"""``PaymentService``: the one object the saga, the endpoints and the tools hold, over the jobs of payments."""

from __future__ import annotations

import uuid
from typing import Any

from redis.asyncio import Redis

from api.db import Databases
from api.domain.payments import repositories as repo
from api.domain.payments.providers import PaymentGateway
from api.domain.payments.services._charging import Charging
from api.domain.payments.services._gateway import RetryingGateway
from api.domain.payments.services._ledger import PaymentLedger, PaymentResult
from api.domain.payments.services._ports import OrderStatusPort
from api.domain.payments.services._provider_events import ProviderEvents
from api.domain.payments.services._queries import PaymentQueries
from api.domain.payments.services._refunds import Refunds
from api.domain.payments.services._review import Decision, Reviews
from api.domain.payments.settings import PaymentSettings
from pizza.contracts.events import EventEnvelope


class PaymentService:
    """Wires each job to the same stores, gateway and order port; every method is one job's entry point."""

    def __init__(
        self,
        db: Databases,
        redis: Redis,
        gateway: PaymentGateway,
        settings: PaymentSettings,
        orders: OrderStatusPort,
    ) -> None:
        self.db, self.gateway, self.settings, self.orders = db, gateway, settings, orders
        calls = RetryingGateway(gateway, settings)
        ledger = PaymentLedger(db, calls, orders)
        self.charging = Charging(db, redis, calls, ledger, settings)
        self.refunds = Refunds(db, calls, ledger)
        self.reviews = Reviews(calls, ledger)
        self.queries = PaymentQueries(db)
        self.provider_events = ProviderEvents(ledger, self.charging.resume_authenticated)

    # --- saga entry points ---------------------------------------------------------------------
    async def handle_order_created(self, envelope: EventEnvelope) -> PaymentResult:
        """Create the order's payment once and charge it."""
        return await self.charging.handle_order_created(envelope)

    async def handle_order_status_changed(self, envelope: EventEnvelope) -> PaymentResult | None:
        return await self.refunds.handle_order_status_changed(envelope)

    async def refund_order(self, order_id: uuid.UUID, user_id: uuid.UUID, reason: str) -> PaymentResult | None:
        return await self.refunds.refund_order(order_id, user_id, reason)

    # --- admin review and reads ----------------------------------------------------------------
    async def review(self, payment: repo.Row, decision: Decision, admin_id: uuid.UUID) -> PaymentResult:
        return await self.reviews.review(payment, decision, admin_id)

    async def find(self, payment_id: uuid.UUID) -> repo.Row:
        return await self.queries.find(payment_id)

    async def for_order(self, order_id: uuid.UUID, user_id: uuid.UUID | None) -> list[repo.Row]:
        return await self.queries.for_order(order_id, user_id)

    async def actions_for(self, user_id: uuid.UUID, payment_ids: list[uuid.UUID]) -> dict[uuid.UUID, repo.Row]:
        return await self.queries.actions_for(user_id, payment_ids)

    async def in_review(self, limit: int = 100) -> list[repo.Row]:
        return await self.queries.in_review(limit)

    # --- provider events -------------------------------------------------------------------------
    async def apply_stripe_event(self, event: dict[str, Any]) -> str:
        return await self.provider_events.apply_stripe_event(event)
