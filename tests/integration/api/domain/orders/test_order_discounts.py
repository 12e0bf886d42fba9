"""Loyalty points and coupons at checkout over HTTP: the stacking order, points spent once under
concurrency, per-customer coupon limits, and what counts as a customer's first order."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from support.api_actors import ApiRestaurant, ApiUser

from api.db import Databases
from api.domain.loyalty import LoyaltyService
from pizza.ids import new_id

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
Cart = Callable[..., dict[str, Any]]
SUBTOTAL, FEE = 2 * (1200 + 100), 229  # the default cart (two large Margheritas with olives) and its fee


@pytest.fixture(scope="module")
def restaurant(make_restaurant: Callable[..., ApiRestaurant]) -> ApiRestaurant:
    return make_restaurant()


@pytest.fixture
def coupon(http: httpx.Client, admin: ApiUser) -> Callable[..., str]:
    def create(**fields: Any) -> str:
        body = {"code": f"D{uuid.uuid4().hex[:10]}", "kind": "percentage", "value": 10, **fields}
        response = http.post("/coupons", json=body, headers=admin.headers)
        assert response.status_code == 201, response.text
        code: str = response.json()["code"]
        return code

    return create


def balance(http: httpx.Client, user: ApiUser) -> int:
    points: int = http.get("/users/me/loyalty", headers=user.headers).json()["balance"]
    return points


def post_order(client: httpx.Client, user: ApiUser, body: dict[str, Any], key: str | None = None) -> httpx.Response:
    return client.post("/orders", json=body, headers={**user.headers, "Idempotency-Key": key or uuid.uuid4().hex})


async def test_the_coupon_comes_first_points_pay_part_of_the_rest_and_the_fee_is_never_discounted(
    databases: Databases,
    http: httpx.Client,
    customer: ApiUser,
    restaurant: ApiRestaurant,
    cart_body: Cart,
    coupon: Callable[..., str],
) -> None:
    await LoyaltyService(databases).credit(customer.user_id, 5_000, "welcome", new_id())
    code = coupon(value=10)
    body = cart_body(restaurant.restaurant_id, coupon_code=code, redeem_points=5_000)

    q = http.post("/cart/quote", json=body, headers=customer.headers).json()
    coupon_cents = SUBTOTAL // 10
    points = (SUBTOTAL - coupon_cents) // 2  # at most half of what the coupon left, one cent a point
    assert (q["subtotal_cents"], q["delivery_fee_cents"], q["coupon_code"]) == (SUBTOTAL, FEE, code)
    assert (q["points_redeemed"], q["loyalty_discount_cents"]) == (points, points)
    assert q["discount_cents"] == coupon_cents + points
    assert q["total_cents"] == SUBTOTAL - coupon_cents - points + FEE
    assert balance(http, customer) == 5_000  # a quote spends nothing

    too_many = http.post("/cart/quote", json={**body, "redeem_points": 5_001}, headers=customer.headers)
    assert too_many.status_code == 422
    assert too_many.json()["title"] == "Not enough points"

    key = uuid.uuid4().hex
    placed = post_order(http, customer, {**body, "redeem_points": 300}, key)
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert (order["points_redeemed"], order["loyalty_discount_cents"]) == (300, 300)
    assert order["total_cents"] == SUBTOTAL - coupon_cents - 300 + FEE
    assert http.get(f"/orders/{order['order_id']}", headers=customer.headers).json() == order
    assert post_order(http, customer, {**body, "redeem_points": 300}, key).json() == order  # a retry spends nothing
    assert balance(http, customer) == 4_700
    ledger = http.get("/users/me/loyalty", headers=customer.headers).json()["ledger"]
    assert (ledger[0]["kind"], ledger[0]["points"], ledger[0]["order_id"]) == ("redeem", -300, order["order_id"])


async def test_concurrent_orders_each_trying_to_spend_the_whole_balance_spend_it_once(
    databases: Databases, api_url: str, http: httpx.Client, customer: ApiUser, restaurant: ApiRestaurant,
    cart_body: Cart,
) -> None:  # fmt: skip
    await LoyaltyService(databases).credit(customer.user_id, 400, "goodwill", new_id())
    body = cart_body(restaurant.restaurant_id, redeem_points=400)

    def order(_: int) -> httpx.Response:
        with httpx.Client(base_url=api_url, timeout=60) as client:
            return post_order(client, customer, body)

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(order, range(6)))
    assert sorted(r.status_code for r in responses) == [201] + [422] * 5, [r.text for r in responses]
    assert all(r.json()["title"] == "Not enough points" for r in responses if r.status_code == 422)
    winner = next(r.json() for r in responses if r.status_code == 201)
    assert winner["points_redeemed"] == 400
    assert balance(http, customer) == 0
    kinds = [e["kind"] for e in http.get("/users/me/loyalty", headers=customer.headers).json()["ledger"]]
    assert kinds == ["redeem", "credit"]


def test_a_customer_limit_counts_a_customers_own_uses_only(
    http: httpx.Client,
    make_user: Callable[..., ApiUser],
    restaurant: ApiRestaurant,
    cart_body: Cart,
    coupon: Callable[..., str],
) -> None:
    code = coupon(max_uses=10, max_uses_per_customer=2)
    first, second = make_user(), make_user()
    body = cart_body(restaurant.restaurant_id, coupon_code=code)
    assert [post_order(http, first, body).status_code for _ in range(3)] == [201, 201, 422]
    refused = post_order(http, first, body).json()
    assert (refused["title"], refused["coupon_code"]) == ("Coupon not applicable", code)
    assert "as often as it allows (2)" in refused["detail"]
    assert post_order(http, second, body).status_code == 201


def test_first_order_means_the_first_delivered_one(
    http: httpx.Client,
    admin: ApiUser,
    customer: ApiUser,
    restaurant: ApiRestaurant,
    cart_body: Cart,
    coupon: Callable[..., str],
    place_order: Callable[..., dict[str, Any]],
    move_order: Callable[..., dict[str, Any]],
    order_at: Callable[..., dict[str, Any]],
) -> None:
    welcome = coupon(first_order_only=True, value=20)
    body = cart_body(restaurant.restaurant_id, coupon_code=welcome)

    def quote() -> httpx.Response:
        return http.post("/cart/quote", json=body, headers=customer.headers)

    cancelled = place_order(customer, restaurant.restaurant_id)
    assert http.post(f"/orders/{cancelled['order_id']}/cancel", headers=customer.headers).json()["status"] == (
        "CANCELLED"
    )
    refunded = order_at(customer, restaurant, "PAID")
    move_order(restaurant.staff, refunded["order_id"], "REFUNDED", reason="out of dough")
    assert quote().status_code == 200  # neither a cancelled nor a refunded order was a completed one

    open_order = place_order(customer, restaurant.restaurant_id)
    assert "first order only" in quote().json()["detail"]  # an open order may still become the first one
    assert http.post(f"/orders/{open_order['order_id']}/cancel", headers=customer.headers).status_code == 200
    assert quote().status_code == 200

    order_at(customer, restaurant, "DELIVERED")
    assert "first order only" in quote().json()["detail"]
