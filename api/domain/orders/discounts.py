"""How an order's discounts stack: the one place that says it (pure, no I/O).

1. At most one coupon per order (the cart has a single ``coupon_code``).
2. The coupon applies first, to the food subtotal only, and never takes more than the subtotal.
3. Loyalty points apply after it, to what the coupon left of the subtotal (the loyalty settings cap
   them further at ``max_redeem_share`` of that remainder: ``loyalty.quote_discount``).
4. The delivery fee is never discounted: the customer always pays it.

The order stores the sum of both in ``discount_cents``, so ``total = subtotal - discount + delivery fee``
holds for every order and every layer downstream; ``loyalty_discount_cents`` is the points' share.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.domain.orders.pricing import Totals, totals


class StackingError(ValueError):
    """The discounts asked for break a stacking rule (a programming error: the services never ask it)."""


@dataclass(frozen=True, slots=True)
class Discounts:
    coupon_cents: int = 0
    points: int = 0
    loyalty_cents: int = 0


def coupon_share(subtotal_cents: int, coupon_cents: int) -> int:
    """What the coupon actually takes: never below zero, never above the subtotal."""
    return max(0, min(coupon_cents, subtotal_cents))


def points_base(subtotal_cents: int, coupon_cents: int) -> int:
    """The part of the subtotal points may pay for: what the coupon left."""
    return subtotal_cents - coupon_share(subtotal_cents, coupon_cents)


def checkout_totals(subtotal_cents: int, delivery_fee_cents: int, discounts: Discounts) -> Totals:
    """The order's totals with the coupon first, the points on the rest and the fee untouched."""
    if discounts.points < 0 or discounts.loyalty_cents < 0:
        raise StackingError("points and their discount cannot be negative")
    if discounts.loyalty_cents > points_base(subtotal_cents, discounts.coupon_cents):
        raise StackingError("points may pay only for what the coupon left of the subtotal")
    coupon = coupon_share(subtotal_cents, discounts.coupon_cents)
    return totals(subtotal_cents, coupon + discounts.loyalty_cents, delivery_fee_cents)
