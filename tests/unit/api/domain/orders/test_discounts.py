"""The stacking rules of an order's discounts: coupon first, points on the rest, the fee untouched."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.domain.loyalty import quote_discount
from api.domain.loyalty.settings import LoyaltySettings
from api.domain.orders.discounts import Discounts, StackingError, checkout_totals, coupon_share, points_base

pytestmark = pytest.mark.unit
RULES = LoyaltySettings(points_per_unit=1, point_value_cents=1, max_redeem_share=0.5)


def test_points_pay_only_for_what_the_coupon_left() -> None:
    assert points_base(2600, 260) == 2340
    assert points_base(2600, 5000) == 0  # a coupon worth more than the food leaves nothing for points
    assert coupon_share(2600, 5000) == 2600
    points = quote_discount(10_000, 10_000, points_base(2600, 260), RULES)
    assert (points.points, points.discount_cents) == (1170, 1170)  # half of the 2340 left


def test_the_total_takes_both_discounts_from_the_food_and_never_from_the_fee() -> None:
    result = checkout_totals(2600, 229, Discounts(coupon_cents=260, points=300, loyalty_cents=300))
    assert (result.discount_cents, result.delivery_fee_cents, result.total_cents) == (560, 229, 2600 - 560 + 229)
    free_food = checkout_totals(2600, 229, Discounts(coupon_cents=9999))
    assert (free_food.discount_cents, free_food.total_cents) == (2600, 229)


def test_points_beyond_what_the_coupon_left_are_refused() -> None:
    with pytest.raises(StackingError):
        checkout_totals(1000, 229, Discounts(coupon_cents=800, points=300, loyalty_cents=300))
    with pytest.raises(StackingError):
        checkout_totals(1000, 229, Discounts(points=-1, loyalty_cents=-1))


@given(
    subtotal=st.integers(0, 10**7),
    fee=st.integers(0, 10**5),
    coupon=st.integers(0, 2 * 10**7),
    balance=st.integers(0, 10**7),
    share=st.floats(0.01, 1),
)
def test_any_stack_keeps_the_fee_and_never_goes_below_it(
    subtotal: int, fee: int, coupon: int, balance: int, share: float
) -> None:
    rules = LoyaltySettings(point_value_cents=1, max_redeem_share=share)
    points = quote_discount(balance, balance, points_base(subtotal, coupon), rules)
    result = checkout_totals(subtotal, fee, Discounts(coupon, points.points, points.discount_cents))
    assert result.delivery_fee_cents == fee
    assert fee <= result.total_cents <= subtotal + fee
    assert result.total_cents == subtotal - result.discount_cents + fee
    assert result.discount_cents == coupon_share(subtotal, coupon) + points.discount_cents
