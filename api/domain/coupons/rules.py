"""Coupon rules: whether a coupon applies to a cart and how much it takes off. Pure, no I/O.

The usage limit is checked here for quotes, but only the atomic redemption in the catalog
(``CouponRepository.redeem``) is authoritative: two carts may both see the last use as free.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

CouponKind = Literal["percentage", "fixed"]


class CouponRejected(Exception):
    """The coupon exists but does not apply to this order; the message says why."""


@dataclass(frozen=True, slots=True)
class Coupon:
    code: str
    kind: CouponKind
    value: int  # percent (1-100) for "percentage", minor units for "fixed"
    currency: str | None = None
    city: str | None = None
    first_order_only: bool = False
    min_subtotal_cents: int = 0
    max_uses: int | None = None
    uses: int = 0
    valid_from: datetime | None = None
    valid_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class CouponContext:
    """What the rules need to know about the order being priced."""

    subtotal_cents: int
    currency: str
    city: str
    now: datetime
    is_first_order: bool


def normalize_code(code: str) -> str:
    """Codes are case-insensitive for customers and stored upper-case."""
    return code.strip().upper()


def check_applicable(coupon: Coupon, ctx: CouponContext) -> None:
    """Raise ``CouponRejected`` with a customer-readable reason if the coupon does not apply."""
    if coupon.valid_from is not None and ctx.now < coupon.valid_from:
        raise CouponRejected(f"coupon {coupon.code} is valid from {coupon.valid_from.isoformat()}")
    if coupon.valid_until is not None and ctx.now >= coupon.valid_until:
        raise CouponRejected(f"coupon {coupon.code} expired on {coupon.valid_until.isoformat()}")
    if coupon.max_uses is not None and coupon.uses >= coupon.max_uses:
        raise CouponRejected(f"coupon {coupon.code} has been used up")
    if coupon.city is not None and coupon.city.casefold() != ctx.city.casefold():
        raise CouponRejected(f"coupon {coupon.code} is valid only in {coupon.city}")
    if coupon.kind == "fixed" and coupon.currency is not None and coupon.currency != ctx.currency:
        raise CouponRejected(f"coupon {coupon.code} is in {coupon.currency}; this restaurant charges {ctx.currency}")
    if coupon.first_order_only and not ctx.is_first_order:
        raise CouponRejected(f"coupon {coupon.code} is for a first order only")
    if ctx.subtotal_cents < coupon.min_subtotal_cents:
        raise CouponRejected(
            f"coupon {coupon.code} needs a subtotal of at least {coupon.min_subtotal_cents} (cents); "
            f"this cart is {ctx.subtotal_cents}"
        )


def discount_cents(coupon: Coupon, ctx: CouponContext) -> int:
    """The discount in minor units, never more than the subtotal. Percentages round half up to the cent."""
    check_applicable(coupon, ctx)
    percent = coupon.kind == "percentage"
    amount = (ctx.subtotal_cents * min(coupon.value, 100) + 50) // 100 if percent else coupon.value
    return min(amount, ctx.subtotal_cents)
