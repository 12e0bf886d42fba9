"""Server-side pricing over HTTP: menu prices, sizes, toppings, availability, hours, distance, coupons."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest
from support.api_actors import ApiRestaurant, ApiUser

from pizza.config import PlatformSettings
from pizza.money import Threshold

pytestmark = pytest.mark.integration
Cart = Callable[..., dict[str, Any]]
MUNICH = {"line1": "Marienplatz 1", "city": "München", "lat": 48.1374, "lon": 11.5755}


@pytest.fixture(scope="module")
def restaurant(make_restaurant: Callable[..., ApiRestaurant]) -> ApiRestaurant:
    return make_restaurant()


@pytest.fixture
def coupon(http: httpx.Client, admin: ApiUser) -> Callable[..., str]:
    """Create a coupon through the admin API; returns its code."""

    def create(**fields: Any) -> str:
        body = {"code": f"T{uuid.uuid4().hex[:10]}", "kind": "percentage", "value": 10, **fields}
        response = http.post("/coupons", json=body, headers=admin.headers)
        assert response.status_code == 201, response.text
        code: str = response.json()["code"]
        return code

    return create


def quote(http: httpx.Client, user: ApiUser, body: dict[str, Any]) -> httpx.Response:
    return http.post("/cart/quote", json=body, headers=user.headers)


def test_a_quote_adds_sizes_toppings_quantities_and_the_delivery_fee(
    http: httpx.Client, customer: ApiUser, restaurant: ApiRestaurant, cart_body: Cart
) -> None:
    items = [
        {"menu_item_id": "margherita", "size": "small", "toppings": ["extra cheese", "olives"]},
        {"menu_item_id": "cola", "quantity": 3},
    ]
    response = quote(http, customer, cart_body(restaurant.restaurant_id, items=items))
    assert response.status_code == 200, response.text
    q = response.json()
    assert [(i["name"], i["size"], i["unit_price_cents"], i["line_total_cents"]) for i in q["items"]] == [
        ("Margherita", "small", 800 + 150 + 100, 1050),
        ("Cola", "can", 250, 750),
    ]
    assert q["currency"] == "EUR"
    assert q["distance_km"] == pytest.approx(0.5, abs=0.1)
    # base fee + one started kilometre (default policy, US-dollar cents), in the restaurant's euros
    assert q["delivery_fee_cents"] == Threshold(199 + 50).in_currency("EUR") == 229
    assert (q["subtotal_cents"], q["discount_cents"], q["total_cents"]) == (1800, 0, 1800 + 229)


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"menu_item_id": "calzone"}, "not on this restaurant's menu"),
        ({"menu_item_id": "truffle-special", "size": "large"}, "not available"),
        ({"menu_item_id": "margherita"}, "choose a size"),
        ({"menu_item_id": "margherita", "size": "family"}, "comes in small, large"),
        ({"menu_item_id": "margherita", "size": "small", "toppings": ["pineapple"]}, "does not offer pineapple"),
    ],
)
def test_items_that_cannot_be_ordered_are_a_422_problem(
    http: httpx.Client,
    customer: ApiUser,
    restaurant: ApiRestaurant,
    cart_body: Cart,
    item: dict[str, Any],
    reason: str,
) -> None:
    body = cart_body(restaurant.restaurant_id, items=[item])
    for response in (
        quote(http, customer, body),
        http.post("/orders", json=body, headers={**customer.headers, "Idempotency-Key": uuid.uuid4().hex}),
    ):
        assert response.status_code == 422
        assert reason in response.json()["detail"]


def test_closed_unknown_and_too_distant_restaurants_are_refused(
    http: httpx.Client,
    customer: ApiUser,
    restaurant: ApiRestaurant,
    make_restaurant: Callable[..., ApiRestaurant],
    cart_body: Cart,
) -> None:
    closed = make_restaurant(opening_hours={}, with_staff=False)
    response = quote(http, customer, cart_body(closed.restaurant_id))
    assert (response.status_code, response.json()["title"]) == (422, "Restaurant closed")
    response = quote(http, customer, cart_body(uuid.uuid4()))
    assert (response.status_code, response.json()["title"]) == (422, "Unknown restaurant")
    response = quote(http, customer, cart_body(restaurant.restaurant_id, address=MUNICH))
    assert response.status_code == 422
    assert "delivers within 15 km" in response.json()["detail"]


def test_a_saved_address_is_used_and_another_users_address_is_not(
    http: httpx.Client,
    make_user: Callable[..., ApiUser],
    restaurant: ApiRestaurant,
    cart_body: Cart,
    place_order: Callable[..., dict[str, Any]],
) -> None:
    owner, other = make_user(), make_user()
    saved = {"label": "home", "line1": "Torstraße 1", "city": "Berlin", "country": "DE", "lat": 52.529, "lon": 13.401}
    address = http.post("/users/me/addresses", json=saved, headers=owner.headers).json()
    body = cart_body(restaurant.restaurant_id) | {"address_id": address["address_id"]}
    del body["address"]
    assert quote(http, owner, body).status_code == 200
    response = quote(http, other, body)
    assert (response.status_code, response.json()["title"]) == (422, "Unknown address")

    order = place_order(owner, restaurant.restaurant_id, address=None, address_id=address["address_id"])
    assert order["delivery_address"] | {"notes": None} == {
        "line1": "Torstraße 1", "city": "Berlin", "postcode": None, "country": "DE", "lat": 52.529, "lon": 13.401,
        "notes": None,
    }  # fmt: skip


def test_percentage_and_fixed_coupons_discount_the_subtotal(
    http: httpx.Client, customer: ApiUser, restaurant: ApiRestaurant, cart_body: Cart, coupon: Callable[..., str]
) -> None:
    ten = coupon(kind="percentage", value=10)
    three = coupon(kind="fixed", value=300, currency="EUR")
    plain = quote(http, customer, cart_body(restaurant.restaurant_id)).json()
    with_ten = quote(http, customer, cart_body(restaurant.restaurant_id, coupon_code=ten.lower())).json()
    with_three = quote(http, customer, cart_body(restaurant.restaurant_id, coupon_code=three)).json()
    assert with_ten["coupon_code"] == ten
    assert with_ten["discount_cents"] == plain["subtotal_cents"] // 10
    assert with_ten["total_cents"] == plain["total_cents"] - with_ten["discount_cents"]
    assert with_three["discount_cents"] == 300
    assert with_three["delivery_fee_cents"] == plain["delivery_fee_cents"]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"city": "Paris"}, "only in Paris"),
        ({"min_subtotal_cents": 100_000}, "at least 100000"),
        ({"kind": "fixed", "value": 500, "currency": "USD"}, "is in USD"),
        ({"valid_from": "2020-01-01T00:00:00Z", "valid_until": "2020-02-01T00:00:00Z"}, "expired"),
        ({"valid_from": "2999-01-01T00:00:00Z"}, "valid from"),
    ],
)
def test_coupons_that_do_not_apply_are_a_422_problem_saying_why(
    http: httpx.Client,
    customer: ApiUser,
    restaurant: ApiRestaurant,
    cart_body: Cart,
    coupon: Callable[..., str],
    fields: dict[str, Any],
    reason: str,
) -> None:
    code = coupon(**fields)
    response = quote(http, customer, cart_body(restaurant.restaurant_id, coupon_code=code))
    assert response.status_code == 422
    problem = response.json()
    assert (problem["title"], problem["coupon_code"]) == ("Coupon not applicable", code)
    assert reason in problem["detail"]
    assert quote(http, customer, cart_body(restaurant.restaurant_id, coupon_code="NOSUCHCODE")).status_code == 422


def test_a_first_order_coupon_works_once_per_customer(
    http: httpx.Client,
    customer: ApiUser,
    restaurant: ApiRestaurant,
    cart_body: Cart,
    coupon: Callable[..., str],
    place_order: Callable[..., dict[str, Any]],
) -> None:
    welcome = coupon(first_order_only=True, value=20)
    assert quote(http, customer, cart_body(restaurant.restaurant_id, coupon_code=welcome)).status_code == 200
    first = place_order(customer, restaurant.restaurant_id, coupon_code=welcome)
    assert (first["coupon_code"], first["discount_cents"]) == (welcome, first["subtotal_cents"] // 5)
    response = quote(http, customer, cart_body(restaurant.restaurant_id, coupon_code=welcome))
    assert response.status_code == 422
    assert "first order only" in response.json()["detail"]


def test_a_usage_limit_holds_under_concurrent_orders(
    stack: PlatformSettings,
    api_url: str,
    make_user: Callable[..., ApiUser],
    restaurant: ApiRestaurant,
    cart_body: Cart,
    coupon: Callable[..., str],
) -> None:
    code = coupon(max_uses=3)
    customers = [make_user() for _ in range(8)]
    body = cart_body(restaurant.restaurant_id, coupon_code=code)

    def order(user: ApiUser) -> httpx.Response:
        with httpx.Client(base_url=api_url, timeout=60) as client:
            return client.post("/orders", json=body, headers={**user.headers, "Idempotency-Key": "limit"})

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(order, customers))
    assert sorted(r.status_code for r in responses) == [201] * 3 + [422] * 5
    assert all("used up" in r.json()["detail"] for r in responses if r.status_code == 422)
    placed = {r.json()["order_id"] for r in responses if r.status_code == 201}
    with psycopg.connect(stack.catalog) as conn:
        uses = conn.execute("SELECT uses FROM coupons WHERE code = %s", (code,)).fetchone()
        redeemed = conn.execute("SELECT order_id::text FROM coupon_redemptions WHERE code = %s", (code,)).fetchall()
    assert uses == (3,)
    assert {r[0] for r in redeemed} == placed


def test_a_rejected_order_leaves_its_key_and_coupon_free_for_the_corrected_request(
    stack: PlatformSettings,
    http: httpx.Client,
    customer: ApiUser,
    restaurant: ApiRestaurant,
    cart_body: Cart,
    coupon: Callable[..., str],
) -> None:
    code = coupon(max_uses=1)
    headers = {**customer.headers, "Idempotency-Key": "try-again"}
    far = http.post(
        "/orders", json=cart_body(restaurant.restaurant_id, coupon_code=code, address=MUNICH), headers=headers
    )
    assert far.status_code == 422
    fixed = http.post("/orders", json=cart_body(restaurant.restaurant_id, coupon_code=code), headers=headers)
    assert fixed.status_code == 201, fixed.text
    with psycopg.connect(stack.catalog) as conn:
        assert conn.execute("SELECT uses FROM coupons WHERE code = %s", (code,)).fetchone() == (1,)


def test_the_coupon_discount_is_locked_in_when_the_order_is_placed(
    http: httpx.Client,
    admin: ApiUser,
    customer: ApiUser,
    restaurant: ApiRestaurant,
    coupon: Callable[..., str],
    place_order: Callable[..., dict[str, Any]],
) -> None:
    code = coupon(value=50, valid_until=(datetime.now(UTC) + timedelta(hours=1)).isoformat())
    order = place_order(customer, restaurant.restaurant_id, coupon_code=code)
    assert order["discount_cents"] == order["subtotal_cents"] // 2
    stored = http.get(f"/coupons/{code}", headers=admin.headers).json()
    assert stored["uses"] == 1
