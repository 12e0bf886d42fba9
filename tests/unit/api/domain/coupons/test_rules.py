from __future__ import annotations

import uuid
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
        (replace(TEN_PERCENT, min_subtotal_cents=2500, currency="EUR"), CTX, "at least 2500"),
        (replace(TEN_PERCENT, min_subtotal_cents=2500), CTX, "at least 2300"),  # $25.00 in euros
        (replace(TEN_PERCENT, min_subtotal_cents=1000, currency="USD"), CTX, "minimum is in USD"),
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


def test_a_currency_less_minimum_is_set_in_dollars_and_converted_like_every_threshold() -> None:
    coupon = replace(TEN_PERCENT, min_subtotal_cents=2500)  # $25.00
    yen = replace(CTX, currency="JPY", subtotal_cents=3750)  # 150 yen per dollar, whole yen
    assert discount_cents(coupon, yen) == 375
    with pytest.raises(CouponRejected, match="at least 3750"):
        discount_cents(coupon, replace(yen, subtotal_cents=3749))
    with pytest.raises(CouponRejected, match="no minimum in XTS"):
        discount_cents(coupon, replace(CTX, currency="XTS"))


def test_codes_are_case_insensitive() -> None:
    assert normalize_code("  welcome10 ") == "WELCOME10"


def test_a_personal_coupon_applies_to_its_owner_only() -> None:
    owner = uuid.uuid4()
    personal = Coupon(code="CREDIT-1", kind="fixed", value=500, currency="EUR", max_uses=1, owner_user_id=owner)
    assert discount_cents(personal, replace(CTX, user_id=owner)) == 500
    with pytest.raises(CouponRejected, match="another customer"):
        discount_cents(personal, replace(CTX, user_id=uuid.uuid4()))
    with pytest.raises(CouponRejected, match="another customer"):
        discount_cents(personal, CTX)  # no customer known: never someone's personal coupon


def test_a_customer_limit_counts_the_uses_the_customer_holds() -> None:
    twice = replace(TEN_PERCENT, max_uses_per_customer=2)
    assert discount_cents(twice, replace(CTX, customer_uses=1)) == 200
    with pytest.raises(CouponRejected, match=r"as often as it allows \(2\)"):
        discount_cents(twice, replace(CTX, customer_uses=2))
