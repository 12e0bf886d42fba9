"""The customer journey end to end over HTTP: sign up, search, read the menu, quote, order, history."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from support.api_actors import ApiRestaurant

pytestmark = pytest.mark.integration


def test_sign_up_search_menu_quote_order_and_history(
    http: httpx.Client, make_restaurant: Callable[..., ApiRestaurant], cart_body: Callable[..., dict[str, Any]]
) -> None:
    city = f"Journeyville {uuid.uuid4().hex[:6]}"
    restaurant = make_restaurant(city=city)

    email = f"journey-{uuid.uuid4().hex[:10]}@example.com"
    signup = {"email": email, "password": "pizza-all-day-long", "name": "Jo Urney", "city": city}
    assert http.post("/auth/signup", json=signup).status_code == 201
    tokens = http.post("/auth/token", data={"username": email, "password": signup["password"]}).json()
    me = {"Authorization": f"Bearer {tokens['access_token']}"}

    found = http.get("/search", params={"q": "cheesy pizza", "city": city})
    assert found.status_code == 200, found.text
    [dish] = [d for d in found.json()["dishes"] if d["item_id"] == "cheese-pizza"]
    assert dish["restaurant_id"] == str(restaurant.restaurant_id)

    menu = http.get(f"/restaurants/{dish['restaurant_id']}/menu").json()
    [pizza] = [item for item in menu["items"] if item["id"] == dish["item_id"]]
    large = next(size for size in pizza["sizes"] if size["name"] == "large")
    jalapenos = next(t for t in pizza["toppings"] if t["name"] == "jalapenos")
    unit = large["price_cents"] + jalapenos["price_cents"]

    items = [{"menu_item_id": pizza["id"], "size": "large", "toppings": ["jalapenos"], "quantity": 2}]
    cart = cart_body(restaurant.restaurant_id, items=items)
    quote = http.post("/cart/quote", json=cart, headers=me).json()
    assert quote["subtotal_cents"] == 2 * unit
    assert quote["total_cents"] == 2 * unit + quote["delivery_fee_cents"]

    placed = http.post("/orders", json=cart, headers={**me, "Idempotency-Key": str(uuid.uuid4())})
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert (order["status"], order["total_cents"]) == ("PENDING", quote["total_cents"])

    history = http.get("/orders", headers=me).json()
    assert [(o["order_id"], o["item_count"], o["total_cents"]) for o in history["items"]] == [
        (order["order_id"], 2, quote["total_cents"])
    ]
    assert history["next_cursor"] is None
    detail = http.get(f"/orders/{order['order_id']}", headers=me).json()
    assert detail["items"][0]["name"] == "Cheese Pizza"
    assert [h["to_status"] for h in detail["history"]] == ["PENDING"]
