"""The admin's review of a payment the fraud rules held: approve (capture) or reject (release)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from api.domain.payments import repositories as repo
from api.domain.payments.services._gateway import RetryingGateway
from api.domain.payments.services._ledger import PaymentLedger, PaymentResult
from api.lib.errors import ConflictError

Decision = Literal["approve", "reject"]


class Reviews:
    def __init__(self, gateway: RetryingGateway, ledger: PaymentLedger) -> None:
        self.gateway, self.ledger = gateway, ledger

    async def review(self, payment: repo.Row, decision: Decision, admin_id: uuid.UUID) -> PaymentResult:
        if payment["status"] != "REVIEW":
            raise ConflictError(f"payment {payment['payment_id']} is {payment['status']}, not in review")
        fields: dict[str, Any] = {
            "review_decision": "approved" if decision == "approve" else "rejected",
            "reviewed_by": admin_id,
            "reviewed_at": datetime.now(UTC),
        }
        if decision == "approve":
            await self.gateway.capture(payment, payment["provider_ref"])
            return await self.ledger.succeed(payment, ("REVIEW",), fields)
        await self.gateway.cancel(payment, payment["provider_ref"], "fraudulent")
        return await self.ledger.fail(payment, ("REVIEW",), "rejected in fraud review", fields)
