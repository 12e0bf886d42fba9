from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.domain.orders.pricing import (
    CartLine,
    DeliveryPolicy,
    Menu,
    PricingError,
    delivery_fee,
    haversine_km,
    price_lines,
    subtotal,
    totals,
)
from pipelines.synthetic.world import CURRENCY_PRICE_LEVEL
from pizza.money import REFERENCE_RATES, Threshold, minor_unit_exponent, sensible_step

pytestmark = pytest.mark.unit

MENU = Menu.from_document(
    {
        "items": [
            {"id": "margherita", "name": "Margherita", "available": True,
             "sizes": [{"name": "small", "price_cents": 800}, {"name": "large", "price_cents": 1200}],
             "toppings": [{"name": "extra cheese", "price_cents": 150}, {"name": "olives", "price_cents": 100}]},
            {"id": "cola", "name": "Cola", "available": True, "sizes": [{"name": "can", "price_cents": 250}]},
            {"id": "truffle", "name": "Truffle", "available": False, "sizes": [{"name": "large", "price_cents": 2200}]},
        ]
    }
)  # fmt: skip
POLICY = DeliveryPolicy(base_fee_cents=199, per_km_cents=50, max_distance_km=10, free_over_cents=5000)


def test_unit_price_is_size_plus_toppings_times_quantity() -> None:
    lines = price_lines(MENU, [CartLine("margherita", 2, "large", ("extra cheese", "olives")), CartLine("cola", 3)])
    assert [(line.line_no, line.unit_price_cents, line.line_total_cents) for line in lines] == [
        (1, 1450, 2900),
        (2, 250, 750),
    ]
    assert lines[1].size == "can"  # the only size is chosen when none is given
    assert subtotal(lines) == 3650


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (CartLine("calzone", 1, "large"), "not on this restaurant's menu"),
        (CartLine("truffle", 1, "large"), "not available"),
        (CartLine("margherita", 1, None), "choose a size"),
        (CartLine("margherita", 1, "family"), "comes in small, large"),
        (CartLine("margherita", 1, "small", ("pineapple",)), "does not offer pineapple"),
        (CartLine("margherita", 1, "small", ("olives", "olives")), "repeated"),
    ],
)
def test_carts_that_cannot_be_priced_say_why(line: CartLine, message: str) -> None:
    with pytest.raises(PricingError, match=message):
        price_lines(MENU, [line])


def test_an_empty_cart_is_refused() -> None:
    with pytest.raises(PricingError, match="empty"):
        price_lines(MENU, [])


def test_delivery_fee_charges_per_started_kilometre_and_is_free_for_big_baskets() -> None:
    assert delivery_fee(POLICY, 0.0, 1000, "USD") == 199
    assert delivery_fee(POLICY, 2.1, 1000, "USD") == 199 + 3 * 50
    assert delivery_fee(POLICY, 2.1, 5000, "USD") == 0
    with pytest.raises(PricingError, match="delivers within 10 km"):
        delivery_fee(POLICY, 10.5, 1000, "USD")


def test_the_delivery_fee_is_a_price_in_the_restaurants_currency() -> None:
    # 1.99 + 3 x 0.50 = 3.49 US dollars: 523.50 yen -> 524 yen, 4,816.20 won -> 4,820 won, 1.31224 dinar.
    assert delivery_fee(POLICY, 2.1, 1000, "EUR") == 321  # 3.2108 euro
    assert delivery_fee(POLICY, 2.1, 1000, "JPY") == 52400
    assert delivery_fee(POLICY, 2.1, 1000, "KRW") == 482000
    assert delivery_fee(POLICY, 2.1, 1000, "BHD") == 131
    assert delivery_fee(POLICY, 2.1, 5000 * 150, "JPY") == 0  # 50 dollars of yen: free
    assert delivery_fee(POLICY, 2.1, 5000 * 150 - 100, "JPY") == 52400
    with pytest.raises(PricingError, match="no delivery fee is set for XXX"):
        delivery_fee(POLICY, 2.1, 1000, "XXX")


def test_haversine_matches_a_known_distance() -> None:
    # Berlin Alexanderplatz -> Brandenburger Tor is about 2.5 km as the crow flies.
    assert haversine_km(52.5219, 13.4132, 52.5163, 13.3777) == pytest.approx(2.48, abs=0.1)
    assert haversine_km(10, 20, 10, 20) == 0


def test_totals_never_discount_more_than_the_subtotal_nor_the_delivery_fee() -> None:
    assert totals(1000, 300, 199).total_cents == 899
    capped = totals(1000, 5000, 199)
    assert (capped.discount_cents, capped.total_cents) == (1000, 199)


FEE_POLICIES = st.builds(
    DeliveryPolicy,
    base_fee_cents=st.integers(0, 2000),
    per_km_cents=st.integers(0, 500),
    max_distance_km=st.just(25.0),
    free_over_cents=st.none() | st.integers(0, 20_000),
)
DISTANCES = st.floats(0.0, 25.0, allow_nan=False)
DEMO_CURRENCIES = st.sampled_from(sorted(CURRENCY_PRICE_LEVEL))


@given(FEE_POLICIES, DISTANCES, DISTANCES, st.integers(0, 10_000_000), DEMO_CURRENCIES)
def test_the_fee_in_every_demo_currency_is_whole_units_non_negative_and_grows_with_distance(
    policy: DeliveryPolicy, a: float, b: float, basket: int, currency: str
) -> None:
    near, far = sorted((a, b))
    fee_near, fee_far = (delivery_fee(policy, d, basket, currency) for d in (near, far))
    assert 0 <= fee_near <= fee_far
    assert fee_far % sensible_step(currency) == 0
    assert fee_far % 10 ** max(0, 2 - minor_unit_exponent(currency)) == 0


@given(FEE_POLICIES, DISTANCES, DEMO_CURRENCIES)
def test_the_fee_is_free_from_the_converted_basket_and_the_dollar_fee_below_it(
    policy: DeliveryPolicy, distance: float, currency: str
) -> None:
    free_from = None if policy.free_over_cents is None else Threshold(policy.free_over_cents).in_currency(currency)
    if free_from is not None:
        assert delivery_fee(policy, distance, free_from, currency) == 0
        assert delivery_fee(policy, distance, free_from + 10**9, currency) == 0
    below = 0 if free_from is None else free_from - 1
    if below < 0:
        return
    fee = delivery_fee(policy, distance, below, currency)
    dollars = policy.base_fee_cents + policy.per_km_cents * math.ceil(distance)
    rate = Fraction(str(REFERENCE_RATES[currency]))
    assert abs(fee - dollars * rate) <= Fraction(sensible_step(currency), 2)
