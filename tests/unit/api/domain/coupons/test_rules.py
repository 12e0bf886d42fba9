from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from api.domain.coupons.rules import Coupon, CouponContext, CouponRejected, discount_cents, normalize_code

pytestmark = pytest.mark.unit

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
CTX = CouponContext(subtotal_cents=2000, currency="EUR", city="Berlin", now=NOW, is_first_order=False)
TEN_PERCENT = Coupon(code="TEN", kind="percentage", value=10)


def test_percentage_rounds_half_up_to_the_cent() -> None:
    assert discount_cents(TEN_PERCENT, CTX) == 200
    assert discount_cents(TEN_PERCENT, replace(CTX, subtotal_cents=1005)) == 101  # 100.5 -> 101
    assert discount_cents(replace(TEN_PERCENT, value=100), CTX) == 2000


def test_fixed_discount_is_capped_at_the_subtotal() -> None:
    fixed = Coupon(code="FIVE", kind="fixed", value=500, currency="EUR")
    assert discount_cents(fixed, CTX) == 500
    assert discount_cents(fixed, replace(CTX, subtotal_cents=300)) == 300


@pytest.mark.parametrize(
    ("coupon", "ctx", "reason"),
    [
        (replace(TEN_PERCENT, valid_from=NOW + timedelta(days=1)), CTX, "valid from"),
        (replace(TEN_PERCENT, valid_until=NOW), CTX, "expired"),
        (replace(TEN_PERCENT, max_uses=3, uses=3), CTX, "used up"),
        (replace(TEN_PERCENT, city="Paris"), CTX, "only in Paris"),
        (Coupon(code="USD5", kind="fixed", value=500, currency="USD"), CTX, "is in USD"),
        (replace(TEN_PERCENT, first_order_only=True), CTX, "first order only"),
        (replace(TEN_PERCENT, min_subtotal_cents=2500), CTX, "at least 2500"),
    ],
)
def test_coupons_that_do_not_apply_say_why(coupon: Coupon, ctx: CouponContext, reason: str) -> None:
    with pytest.raises(CouponRejected, match=reason):
        discount_cents(coupon, ctx)


def test_limits_that_are_met_let_the_coupon_apply() -> None:
    coupon = replace(
        TEN_PERCENT,
        city="berlin",
        first_order_only=True,
        min_subtotal_cents=2000,
        max_uses=3,
        uses=2,
        valid_from=NOW - timedelta(days=1),
        valid_until=NOW + timedelta(seconds=1),
    )
    assert discount_cents(coupon, replace(CTX, is_first_order=True)) == 200


def test_codes_are_case_insensitive() -> None:
    assert normalize_code("  welcome10 ") == "WELCOME10"
