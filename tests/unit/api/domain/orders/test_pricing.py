from __future__ import annotations

import pytest

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
    assert delivery_fee(POLICY, 0.0, 1000) == 199
    assert delivery_fee(POLICY, 2.1, 1000) == 199 + 3 * 50
    assert delivery_fee(POLICY, 2.1, 5000) == 0
    with pytest.raises(PricingError, match="delivers within 10 km"):
        delivery_fee(POLICY, 10.5, 1000)


def test_haversine_matches_a_known_distance() -> None:
    # Berlin Alexanderplatz -> Brandenburger Tor is about 2.5 km as the crow flies.
    assert haversine_km(52.5219, 13.4132, 52.5163, 13.3777) == pytest.approx(2.48, abs=0.1)
    assert haversine_km(10, 20, 10, 20) == 0


def test_totals_never_discount_more_than_the_subtotal_nor_the_delivery_fee() -> None:
    assert totals(1000, 300, 199).total_cents == 899
    capped = totals(1000, 5000, 199)
    assert (capped.discount_cents, capped.total_cents) == (1000, 199)
