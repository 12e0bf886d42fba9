"""Giving the money back when an order is cancelled: refund a capture, release a held authorization."""

from __future__ import annotations

import uuid

from api.db import Databases
from api.domain.payments import repositories as repo
from api.domain.payments.services._gateway import RetryingGateway
from api.domain.payments.services._ledger import PaymentLedger, PaymentResult
from pizza.contracts.events import EventEnvelope, OrderStatusChanged


class Refunds:
    def __init__(self, db: Databases, gateway: RetryingGateway, ledger: PaymentLedger) -> None:
        self.db, self.gateway, self.ledger = db, gateway, ledger

    async def handle_order_status_changed(self, envelope: EventEnvelope) -> PaymentResult | None:
        """Refund (or release) the payment of an order that became CANCELLED or REFUNDED; ignore other moves."""
        event = envelope.parse()
        if not isinstance(event, OrderStatusChanged):
            raise TypeError(f"handle_order_status_changed got {envelope.event_type}")
        if event.to_status not in ("CANCELLED", "REFUNDED"):
            return None
        return await self.refund_order(event.order_id, event.user_id, event.reason or f"order {event.to_status}")

    async def refund_order(self, order_id: uuid.UUID, user_id: uuid.UUID, reason: str) -> PaymentResult | None:
        """Give the money back for a cancelled order: refund a capture, release a held authorization."""
        async with self.db.user_tx(user_id) as conn:
            row = await repo.get_by_order(conn, order_id)
        if row is None:
            return None
        if row["status"] == "SUCCEEDED":
            refund = await self.gateway.refund(row, row["provider_ref"])
            async with self.db.user_tx(user_id) as conn:
                done = await self.ledger.refund_in(
                    conn, row["payment_id"], ("SUCCEEDED",), refund_ref=refund.provider_ref, failure_reason=reason
                )
            return PaymentResult.of(done, row)
        if row["status"] in ("PENDING", "REVIEW"):
            if row["provider_ref"]:
                await self.gateway.cancel(row, row["provider_ref"], "abandoned")
            async with self.db.user_tx(user_id) as conn:
                done = await repo.transition(
                    conn, row["payment_id"], ("PENDING", "REVIEW"), status="FAILED", failure_reason=f"voided: {reason}"
                )
            return PaymentResult.of(done, row)
        return PaymentResult(row, changed=False)
