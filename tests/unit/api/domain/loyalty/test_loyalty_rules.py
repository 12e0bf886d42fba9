"""Earning and redemption rules of the loyalty programme."""

from __future__ import annotations

import pytest

from api.domain.loyalty import quote_discount
from api.domain.loyalty.services import points_earned
from api.domain.loyalty.settings import LoyaltySettings
from api.lib.errors import UnprocessableError

pytestmark = pytest.mark.unit
RULES = LoyaltySettings(points_per_unit=1, point_value_cents=1, max_redeem_share=0.5)


def test_points_are_earned_per_whole_currency_unit_of_food() -> None:
    assert points_earned(2599, RULES) == 25
    assert points_earned(99, RULES) == 0
    assert points_earned(-100, RULES) == 0
    assert points_earned(2599, LoyaltySettings(points_per_unit=10)) == 250


def test_a_redemption_is_capped_by_the_subtotal_share() -> None:
    assert quote_discount(balance=1000, points=300, subtotal_cents=2000, settings=RULES).discount_cents == 300
    capped = quote_discount(balance=1000, points=900, subtotal_cents=1000, settings=RULES)
    assert (capped.points, capped.discount_cents) == (500, 500)  # the rest of the points stay on the account
    worth_more = LoyaltySettings(point_value_cents=5, max_redeem_share=0.5)
    assert quote_discount(balance=1000, points=300, subtotal_cents=1001, settings=worth_more).points == 100
    assert quote_discount(balance=0, points=0, subtotal_cents=1000, settings=RULES).discount_cents == 0


def test_a_redemption_beyond_the_balance_or_negative_is_refused() -> None:
    with pytest.raises(UnprocessableError, match="you have 10 points"):
        quote_discount(balance=10, points=11, subtotal_cents=5000, settings=RULES)
    with pytest.raises(UnprocessableError):
        quote_discount(balance=10, points=-1, subtotal_cents=5000, settings=RULES)
