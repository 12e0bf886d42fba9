"""Which refunds a restaurant's staff may make alone, and which wait for an admin (pure, unit-tested).

A refund is always the order's whole total (there are no partial refunds), so one order cannot be
refunded in several small pieces; splitting can only spread refunds over several orders, which the
per-staff-member total over any 24 hours catches. The caps are set once in US-dollar cents and
compared in the refund's own currency at ``pizza.money``'s reference rates, like the fraud rules'
new-customer cap. A currency without a reference rate has no cap to compare with, so its staff
refunds always wait for an admin: the safe side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pizza.money import UnknownCurrencyError, from_reference

HoldReason = Literal["over_refund_cap", "over_daily_cap", "no_reference_rate"]


@dataclass(frozen=True, slots=True)
class RefundCaps:
    """US-dollar cents. The default, zero, holds every staff refund: a service built without the
    configured caps can never let one through uncapped."""

    per_refund_cents: int = 0
    per_day_cents: int = 0


def hold_reason(amount_cents: int, currency: str, refunded_today_cents: int, caps: RefundCaps) -> HoldReason | None:
    """Why this refund must wait for an admin, or None when the staff member may make it now.

    ``refunded_today_cents`` is what the same staff member refunded alone in the last 24 hours, in
    ``currency``.
    """
    try:
        per_refund = from_reference(caps.per_refund_cents, currency)
        per_day = from_reference(caps.per_day_cents, currency)
    except UnknownCurrencyError:
        return "no_reference_rate"
    if amount_cents > per_refund:
        return "over_refund_cap"
    if refunded_today_cents + amount_cents > per_day:
        return "over_daily_cap"
    return None
