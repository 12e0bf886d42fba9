"""What a resolution does outside the ticket, as the support service sees it: a refund (payments), a
personal coupon (coupons), loyalty points (loyalty), and the operations team's alert (notifications).

Ports, so the support service names no other domain's internals; ``deps`` wires them to the real services.
Each effect is keyed by the ticket id, and each owner makes it once per key, so a retried resolution
(a crash after the effect, before the ticket recorded it) finds the first effect instead of a second one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class EffectDone:
    """What the owner made: its name (refund id, coupon code, ledger entry id) and, for money, the amount."""

    reference: str
    amount_cents: int | None = None


class ResolutionEffects(Protocol):
    async def refund(
        self,
        *,
        order_id: uuid.UUID,
        user_id: uuid.UUID,
        amount_cents: int,
        reason: str,
        requested_by: uuid.UUID,
        key: str,
    ) -> EffectDone: ...

    async def coupon_credit(
        self, *, user_id: uuid.UUID, value_cents: int, currency: str, reason: str, key: str
    ) -> EffectDone: ...

    async def loyalty_credit(self, *, user_id: uuid.UUID, points: int, reason: str, key: str) -> EffectDone: ...


class Alerts(Protocol):
    """The operations team's alerts (``api.domain.notifications.ops.OpsAlerts``): once per cause."""

    async def alert(
        self, cause: str, kind: str, subject: str, body: str, *, order_id: uuid.UUID | None = None
    ) -> object: ...
