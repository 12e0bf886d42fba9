"""A new customer's whole journey over real HTTP: sign up -> search -> menu -> cart -> order -> history.

Only public endpoints are used from the customer's side; the restaurant is set up by the admin
helpers. Prices come from the menu on the server: the client never sends one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest
from support.api_actors import ApiRestaurant

pytestmark = pytest.mark.integration


def test_sign_up_search_menu_cart_order_history(
    http: httpx.Client,
    make_restaurant: Callable[..., ApiRestaurant],
    new_email: Callable[..., str],
    password: str,
) -> None:
    city = f"Journeyville {uuid.uuid4().hex[:6]}"
    restaurant = make_restaurant(city=city, name="Trattoria del Viaggio", lat=45.4642, lon=9.1900, with_staff=False)

    # Sign up and log in (OAuth2 password form).
    email = new_email("journey")
    signed_up = http.post("/auth/signup", json={"email": email, "password": password, "name": "Gio", "city": city})
    assert signed_up.status_code == 201, signed_up.text
    tokens = http.post("/auth/token", data={"username": email, "password": password}).json()
    me = {"Authorization": f"Bearer {tokens['access_token']}"}

    # Save a home address a few hundred metres away.
    home = {"label": "home", "line1": "Via Dante 1", "city": city, "country": "IT", "lat": 45.4660, "lon": 9.1860}
    address = http.post("/users/me/addresses", json={**home, "is_default": True}, headers=me)
    assert address.status_code == 201, address.text

    # Search with a typo, near home, open now.
    found = http.get(
        "/search", params={"q": "cheesy pizza", "city": city, "open_now": "true", "lat": 45.466, "lon": 9.186}
    ).json()
    hit = found["dishes"][0]
    assert (hit["name"], hit["restaurant_id"]) == ("Cheese Pizza", str(restaurant.restaurant_id))
    assert hit["distance_km"] < 1

    # Read the menu and build a cart from it.
    menu = http.get(f"/restaurants/{hit['restaurant_id']}/menu").json()
    dish = next(item for item in menu["items"] if item["id"] == hit["item_id"])
    size = dish["sizes"][0]
    topping = dish["toppings"][0]
    expected_subtotal = 2 * (size["price_cents"] + topping["price_cents"])
    cart = {
        "restaurant_id": hit["restaurant_id"],
        "items": [{"menu_item_id": dish["id"], "size": size["name"], "toppings": [topping["name"]], "quantity": 2}],
        "address_id": address.json()["address_id"],
    }
    quote = http.post("/cart/quote", json=cart, headers=me)
    assert quote.status_code == 200, quote.text
    assert quote.json()["subtotal_cents"] == expected_subtotal

    # Order it, retry safely with the same key, and find it in the history.
    key = uuid.uuid4().hex
    order = http.post("/orders", json=cart, headers={**me, "Idempotency-Key": key})
    assert order.status_code == 201, order.text
    placed = order.json()
    assert placed["status"] == "PENDING"
    assert placed["total_cents"] == quote.json()["total_cents"]
    retry = http.post("/orders", json=cart, headers={**me, "Idempotency-Key": key})
    assert retry.json()["order_id"] == placed["order_id"]

    history = http.get("/orders", headers=me).json()
    assert [o["order_id"] for o in history["items"]] == [placed["order_id"]]
    assert http.get(f"/orders/{placed['order_id']}", headers=me).json()["items"][0]["menu_item_id"] == dish["id"]
