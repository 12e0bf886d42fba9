"""Orders over real HTTP against the real stack: placement, idempotency, history, authorisation, storage."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row
from support.api_actors import ApiRestaurant, ApiUser

from pizza.config import PlatformSettings
from pizza.db.shards import ShardMap

pytestmark = pytest.mark.integration
Cart = Callable[..., dict[str, Any]]


@pytest.fixture(scope="module")
def restaurant(make_restaurant: Callable[..., ApiRestaurant]) -> ApiRestaurant:
    return make_restaurant()


def shard_of(stack: PlatformSettings, user_id: uuid.UUID) -> str:
    with psycopg.connect(stack.catalog) as conn:
        return ShardMap.load(conn).shard_for_user(user_id)


def query(dsn: str, sql: str, *params: Any) -> list[dict[str, Any]]:
    with psycopg.connect(dsn, row_factory=dict_row) as conn:
        return conn.execute(sql, params).fetchall()


def test_an_order_lands_on_the_users_shard_with_items_history_outbox_and_projection(
    stack: PlatformSettings, customer: ApiUser, restaurant: ApiRestaurant, place_order: Callable[..., dict[str, Any]]
) -> None:
    order = place_order(customer, restaurant.restaurant_id)
    order_id = order["order_id"]
    home = shard_of(stack, customer.user_id)

    for name, dsn in stack.shards.items():
        rows = query(dsn, "SELECT user_id, status, total_cents FROM orders WHERE order_id = %s", order_id)
        assert len(rows) == (1 if name == home else 0), name
    dsn = stack.shards[home]
    [row] = query(dsn, "SELECT * FROM orders WHERE order_id = %s", order_id)
    assert (row["user_id"], row["status"], row["total_cents"]) == (customer.user_id, "PENDING", order["total_cents"])
    assert row["created_at"].isoformat().replace("+00:00", "Z").startswith(order["created_at"][:23])
    items = query(dsn, "SELECT * FROM order_items WHERE order_id = %s", order_id)
    assert [(i["menu_item_id"], i["quantity"], i["unit_price_cents"]) for i in items] == [("margherita", 2, 1300)]
    history = query(dsn, "SELECT seq, from_status, to_status FROM order_status_history WHERE order_id = %s", order_id)
    assert history == [{"seq": 1, "from_status": None, "to_status": "PENDING"}]
    [event] = query(dsn, "SELECT * FROM outbox WHERE aggregate_id = %s", order_id)
    assert (event["aggregate_type"], event["event_type"], event["schema_version"]) == ("order", "OrderCreated", 1)
    assert event["payload"]["total_cents"] == order["total_cents"]
    assert event["payload"]["items"][0]["unit_price_cents"] == 1300
    [projected] = query(stack.catalog, "SELECT * FROM restaurant_orders WHERE order_id = %s", order_id)
    assert (projected["restaurant_id"], projected["user_id"], projected["status"], projected["item_count"]) == (
        restaurant.restaurant_id,
        customer.user_id,
        "PENDING",
        2,
    )


def test_prices_come_from_the_menu_and_client_prices_are_refused(
    http: httpx.Client,
    customer: ApiUser,
    restaurant: ApiRestaurant,
    place_order: Callable[..., dict[str, Any]],
    cart_body: Cart,
) -> None:
    quote = http.post("/cart/quote", json=cart_body(restaurant.restaurant_id), headers=customer.headers).json()
    order = place_order(customer, restaurant.restaurant_id)
    for field in ("subtotal_cents", "discount_cents", "delivery_fee_cents", "total_cents"):
        assert order[field] == quote[field], field
    assert order["items"][0]["unit_price_cents"] == 1200 + 100  # large + olives, from the menu

    forged = cart_body(restaurant.restaurant_id, items=[{"menu_item_id": "margherita", "unit_price_cents": 1}])
    response = http.post("/orders", json=forged, headers={**customer.headers, "Idempotency-Key": "forged-price"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_retry_with_the_same_key_and_body_returns_the_same_order(
    stack: PlatformSettings, http: httpx.Client, customer: ApiUser, restaurant: ApiRestaurant, cart_body: Cart
) -> None:
    headers = {**customer.headers, "Idempotency-Key": f"retry-{uuid.uuid4()}"}
    first = http.post("/orders", json=cart_body(restaurant.restaurant_id), headers=headers)
    # Same request, keys in another order and other whitespace: still the same request.
    body = cart_body(restaurant.restaurant_id)
    reordered = dict(reversed(list(body.items())))
    again = http.post("/orders", json=reordered, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    count = query(stack.shards[shard_of(stack, customer.user_id)],
                  "SELECT count(*) AS n FROM orders WHERE user_id = %s", customer.user_id)  # fmt: skip
    assert count == [{"n": 1}]
    metrics = http.get("/metrics").text
    assert 'pizza_orders_placed_total{outcome="created"}' in metrics
    assert 'pizza_orders_placed_total{outcome="replayed"}' in metrics


def test_a_retry_gets_its_order_even_after_the_menu_changed(
    http: httpx.Client,
    admin: ApiUser,
    customer: ApiUser,
    make_restaurant: Callable[..., ApiRestaurant],
    place_order: Callable[..., dict[str, Any]],
    cart_body: Cart,
) -> None:
    restaurant = make_restaurant(with_staff=False)
    order = place_order(customer, restaurant.restaurant_id, key="before-the-change")
    menu = http.get(f"/restaurants/{restaurant.restaurant_id}/menu").json()
    items = [item | {"available": False} if item["id"] == "margherita" else item for item in menu["items"]]
    changed = http.put(f"/restaurants/{restaurant.restaurant_id}/menu", json={"items": items}, headers=admin.headers)
    assert changed.status_code == 200, changed.text

    body = cart_body(restaurant.restaurant_id)
    retry = http.post("/orders", json=body, headers={**customer.headers, "Idempotency-Key": "before-the-change"})
    assert (retry.status_code, retry.json()["order_id"]) == (200, order["order_id"])
    fresh = http.post("/orders", json=body, headers={**customer.headers, "Idempotency-Key": "after-the-change"})
    assert fresh.status_code == 422
    assert "not available" in fresh.json()["detail"]


def test_the_same_key_with_another_body_is_refused(
    http: httpx.Client,
    customer: ApiUser,
    restaurant: ApiRestaurant,
    place_order: Callable[..., dict[str, Any]],
    cart_body: Cart,
) -> None:
    order = place_order(customer, restaurant.restaurant_id, key="reused-key")
    other = cart_body(restaurant.restaurant_id, items=[{"menu_item_id": "cola"}])
    response = http.post("/orders", json=other, headers={**customer.headers, "Idempotency-Key": "reused-key"})
    assert response.status_code == 422
    problem = response.json()
    assert problem["title"] == "Idempotency-Key reused"
    assert problem["order_id"] == order["order_id"]


def test_keys_are_scoped_to_the_user(
    make_user: Callable[..., ApiUser], restaurant: ApiRestaurant, place_order: Callable[..., dict[str, Any]]
) -> None:
    first = place_order(make_user(), restaurant.restaurant_id, key="shared-key")
    second = place_order(make_user(), restaurant.restaurant_id, key="shared-key")
    assert first["order_id"] != second["order_id"]


def test_fifty_concurrent_identical_requests_create_exactly_one_order(
    stack: PlatformSettings, api_url: str, customer: ApiUser, restaurant: ApiRestaurant, cart_body: Cart
) -> None:
    headers = {**customer.headers, "Idempotency-Key": str(uuid.uuid4())}
    body = cart_body(restaurant.restaurant_id)

    def post(_: int) -> httpx.Response:
        with httpx.Client(base_url=api_url, timeout=60) as client:
            return client.post("/orders", json=body, headers=headers)

    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(post, range(50)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 49 + [201], [r.text for r in responses if r.status_code >= 300][:3]
    assert len({r.json()["order_id"] for r in responses}) == 1
    rows = query(stack.shards[shard_of(stack, customer.user_id)],
                 "SELECT order_id FROM orders WHERE user_id = %s", customer.user_id)  # fmt: skip
    assert [str(r["order_id"]) for r in rows] == [responses[0].json()["order_id"]]


def test_history_pages_newest_first_with_a_cursor(
    http: httpx.Client, customer: ApiUser, restaurant: ApiRestaurant, place_order: Callable[..., dict[str, Any]]
) -> None:
    placed = [place_order(customer, restaurant.restaurant_id)["order_id"] for _ in range(5)]
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = http.get("/orders", params=params, headers=customer.headers).json()
        pages += 1
        seen += [item["order_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == list(reversed(placed))


def test_a_customer_never_sees_another_customers_order(
    http: httpx.Client,
    make_user: Callable[..., ApiUser],
    restaurant: ApiRestaurant,
    place_order: Callable[..., dict[str, Any]],
) -> None:
    owner, stranger = make_user(), make_user()
    order_id = place_order(owner, restaurant.restaurant_id)["order_id"]
    assert http.get(f"/orders/{order_id}", headers=owner.headers).status_code == 200
    response = http.get(f"/orders/{order_id}", headers=stranger.headers)
    assert response.status_code == 404
    assert response.json()["type"].endswith("/not-found")
    assert http.post(f"/orders/{order_id}/cancel", headers=stranger.headers).status_code == 404
    assert http.get("/orders", headers=stranger.headers).json()["items"] == []
    assert http.get(f"/orders/{order_id}").status_code == 401


def test_staff_see_only_their_own_restaurants_orders(
    http: httpx.Client,
    customer: ApiUser,
    make_restaurant: Callable[..., ApiRestaurant],
    place_order: Callable[..., dict[str, Any]],
) -> None:
    mine, theirs = make_restaurant(), make_restaurant()
    assert mine.staff
    assert theirs.staff
    order_id = place_order(customer, mine.restaurant_id)["order_id"]

    assert http.get(f"/orders/{order_id}", headers=mine.staff.headers).status_code == 200
    assert http.get(f"/orders/{order_id}", headers=theirs.staff.headers).status_code == 404
    response = http.get(f"/restaurants/{mine.restaurant_id}/orders", headers=theirs.staff.headers)
    assert response.status_code == 403
    other_move = http.post(f"/orders/{order_id}/status", json={"status": "CANCELLED"}, headers=theirs.staff.headers)
    assert other_move.status_code == 404
    assert http.get(f"/restaurants/{mine.restaurant_id}/orders", headers=customer.headers).status_code == 403


@pytest.mark.parametrize(
    ("method", "path", "body", "headers"),
    [
        ("POST", "/orders", {"restaurant_id": "not-a-uuid", "items": []}, {"Idempotency-Key": "k"}),
        ("POST", "/orders", {"items": [{"menu_item_id": "x"}]}, {"Idempotency-Key": "k"}),
        ("POST", "/orders", None, {"Idempotency-Key": "no-body"}),
        ("POST", "/orders", "CART", {}),
        ("POST", "/orders", "CART", {"Idempotency-Key": "has spaces"}),
        ("POST", "/orders", "CART", {"Idempotency-Key": "k" * 300}),
        ("POST", "/orders", "CART_NO_ADDRESS", {"Idempotency-Key": "no-address"}),
        ("POST", "/orders", "CART_ZERO_QTY", {"Idempotency-Key": "zero"}),
        ("POST", "/cart/quote", "CART_BAD_LAT", {}),
        ("POST", "/cart/quote", "CART_BAD_COUPON", {}),
        ("POST", "/cart/quote", [], {}),
        ("GET", "/orders?limit=0", None, {}),
        ("GET", "/orders?limit=1000", None, {}),
        ("GET", "/orders?cursor=not-a-cursor", None, {}),
        ("GET", "/orders/not-a-uuid", None, {}),
        ("GET", f"/orders/{uuid.UUID(int=0)}", None, {}),
        ("GET", f"/orders/{uuid.uuid4()}", None, {}),
        ("POST", f"/orders/{uuid.uuid4()}/cancel", {"reason": ""}, {}),
        ("POST", f"/orders/{uuid.uuid4()}/cancel", {"unknown": 1}, {}),
        ("POST", f"/orders/{uuid.uuid4()}/status", {"status": "ACCEPTED"}, {}),
        ("GET", f"/restaurants/{uuid.uuid4()}/orders?status=EATEN", None, {}),
    ],
)
def test_bad_input_gets_a_4xx_problem_never_a_500(
    http: httpx.Client,
    customer: ApiUser,
    restaurant: ApiRestaurant,
    method: str,
    path: str,
    body: Any,
    headers: dict[str, str],
    cart_body: Cart,
) -> None:
    cart = cart_body(restaurant.restaurant_id)
    named = {
        "CART": cart,
        "CART_NO_ADDRESS": {k: v for k, v in cart.items() if k != "address"},
        "CART_ZERO_QTY": cart | {"items": [{"menu_item_id": "margherita", "size": "large", "quantity": 0}]},
        "CART_BAD_LAT": cart | {"address": {**cart["address"], "lat": 123}},
        "CART_BAD_COUPON": cart | {"coupon_code": "no spaces allowed"},
    }
    body = named.get(body, body) if isinstance(body, str) else body
    if body == "bad-body":
        body = None
    response = http.request(method, path, json=body, headers={**customer.headers, **headers})
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == response.status_code
    assert problem["title"]
