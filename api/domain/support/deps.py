"""Dependency providers of the support domain, and the resolution effects wired to the owning domains."""

from __future__ import annotations

import uuid

from litestar.datastructures import State

from api.db import Databases
from api.domain.support.effects import EffectDone
from api.domain.support.services import SupportService
from api.lib.errors import ConflictError


class DomainEffects:
    """Resolutions carried out by the domains that own the money: payments refunds, coupons issues a
    personal coupon, loyalty grants points. Each is asked with the ticket id as its idempotency key."""

    def __init__(self, state: State) -> None:
        self.state = state

    async def refund(
        self,
        *,
        order_id: uuid.UUID,
        user_id: uuid.UUID,
        amount_cents: int,
        reason: str,
        requested_by: uuid.UUID,
        key: str,
    ) -> EffectDone:
        """A refund the provider did not confirm is no resolution: the agent is told (409) and the ticket stays
        open; asking again with the same ticket finishes a pending one instead of refunding twice."""
        from api.domain.payments.deps import provide_payment_service

        refund = await provide_payment_service(self.state).refund_amount(
            order_id, user_id, amount_cents, reason, requested_by, key
        )
        if refund["status"] != "succeeded":
            why = f": {refund['failure_reason']}" if refund.get("failure_reason") else ""
            raise ConflictError(
                f"the refund is {refund['status']}{why}",
                title="Refund not completed",
                extra={"refund_id": str(refund["refund_id"]), "refund_status": refund["status"]},
            )
        return EffectDone(str(refund["refund_id"]), int(refund["amount_cents"]))

    async def coupon_credit(
        self, *, user_id: uuid.UUID, value_cents: int, currency: str, reason: str, key: str
    ) -> EffectDone:
        from api.domain.coupons import CouponService

        code = await CouponService(self.state.db).issue_personal(user_id, value_cents, currency, reason, key)
        return EffectDone(code, value_cents)

    async def loyalty_credit(self, *, user_id: uuid.UUID, points: int, reason: str, key: str) -> EffectDone:
        from api.domain.loyalty import LoyaltyService

        entry = await LoyaltyService(self.state.db).credit(user_id, points, reason, key)
        return EffectDone(str(entry.entry_id))


def provide_support_service(db: Databases, state: State) -> SupportService:
    return SupportService(db, effects=DomainEffects(state))
