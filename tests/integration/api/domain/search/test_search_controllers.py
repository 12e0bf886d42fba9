"""Search over real HTTP on the real catalog: typo tolerance, filters and ranking."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import psycopg
import pytest
from support.api_actors import ApiRestaurant

from pizza.config import PlatformSettings

pytestmark = pytest.mark.integration
COLOSSEUM = {"lat": 41.8902, "lon": 12.4922}


def dish(
    item_id: str, name: str, *, category: str = "pizza", available: bool = True, tags: list[str] | None = None
) -> dict[str, Any]:
    return {
        "id": item_id,
        "name": name,
        "category": category,
        "description": "",
        "sizes": [{"name": "regular", "price_cents": 1000}],
        "available": available,
        "tags": tags or [],
    }


@pytest.fixture(scope="module")
def town(stack: PlatformSettings, make_restaurant: Callable[..., ApiRestaurant]) -> dict[str, Any]:
    """Restaurants in a city of this module only: two serve Cheese Pizza (rated 4.8 far, 4.1 near)."""
    city = f"Searchburg {uuid.uuid4().hex[:6]}"
    menu_a = {"items": [dish("cheese", "Cheese Pizza"), dish("marg", "Margherita", tags=["vegetarian"])]}
    menu_b = {"items": [dish("cheese", "Cheese Pizza"), dish("gone", "Quattro Formaggi", available=False)]}
    menu_c = {
        "items": [dish("maki", "Salmon Maki", category="sushi"), dish("ramen", "Tonkotsu Ramen", category="noodles")]
    }
    best = make_restaurant(city=city, name="Forno Stellato", lat=41.95, lon=12.55, menu=menu_a, with_staff=False)
    near = make_restaurant(city=city, name="Pizzeria Vicina", lat=41.891, lon=12.493, menu=menu_b, with_staff=False)
    sushi = make_restaurant(
        city=city, name="Sakura", cuisine="sushi", lat=41.9, lon=12.5, menu=menu_c, with_staff=False
    )
    closed = make_restaurant(
        city=city, name="Pizzeria Chiusa", opening_hours={}, lat=41.9, lon=12.5, menu=menu_a, with_staff=False
    )
    with psycopg.connect(stack.catalog) as conn:
        for restaurant, rating in ((best, 4.8), (near, 4.1), (sushi, 4.5), (closed, 4.1)):
            conn.execute(
                "UPDATE restaurants SET rating_avg = %s WHERE restaurant_id = %s", (rating, restaurant.restaurant_id)
            )
    return {"city": city, "best": best, "near": near, "sushi": sushi, "closed": closed}


def search(http: httpx.Client, **params: Any) -> dict[str, Any]:
    response = http.get("/search", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def rid(restaurant: ApiRestaurant) -> str:
    return str(restaurant.restaurant_id)


def test_a_misspelled_dish_is_found(http: httpx.Client, town: dict[str, Any]) -> None:
    hits = search(http, q="cheesy pizza", city=town["city"])["dishes"]
    assert hits
    assert {h["name"] for h in hits[:3]} == {"Cheese Pizza"}
    assert search(http, q="margarita", city=town["city"])["dishes"][0]["name"] == "Margherita"
    assert search(http, q="ramne", city=town["city"])["dishes"][0]["name"] == "Tonkotsu Ramen"


def test_equal_matches_rank_by_rating_then_distance(http: httpx.Client, town: dict[str, Any]) -> None:
    hits = search(http, q="cheese pizza", city=town["city"])["dishes"]
    cheese = [h["restaurant_id"] for h in hits if h["name"] == "Cheese Pizza"]
    assert cheese[0] == rid(town["best"])  # 4.8 before the two rated 4.1
    assert set(cheese[1:]) == {rid(town["near"]), rid(town["closed"])}
    # With a point: among the equally rated (4.1) the nearer comes first, and distances are reported.
    near_hits = search(http, q="cheese pizza", city=town["city"], **COLOSSEUM)["dishes"]
    cheese = [h for h in near_hits if h["name"] == "Cheese Pizza"]
    assert [h["restaurant_id"] for h in cheese] == [rid(town["best"]), rid(town["near"]), rid(town["closed"])]
    assert cheese[1]["distance_km"] < cheese[2]["distance_km"]


def test_unavailable_dishes_are_not_offered(http: httpx.Client, town: dict[str, Any]) -> None:
    names = {h["name"] for h in search(http, q="quattro formaggi", city=town["city"])["dishes"]}
    assert "Quattro Formaggi" not in names


def test_restaurants_match_by_name_and_by_cuisine(http: httpx.Client, town: dict[str, Any]) -> None:
    by_name = search(http, q="forno stelato", city=town["city"])["restaurants"]
    assert by_name[0]["restaurant_id"] == rid(town["best"])
    by_cuisine = search(http, q="sushi", city=town["city"])["restaurants"]
    assert [r["restaurant_id"] for r in by_cuisine] == [rid(town["sushi"])]
    assert search(http, q="tonkotsu", city=town["city"])["dishes"][0]["restaurant_name"] == "Sakura"


def test_filters_open_now_radius_and_cuisine(http: httpx.Client, town: dict[str, Any]) -> None:
    open_ids = {
        h["restaurant_id"] for h in search(http, q="cheese pizza", city=town["city"], open_now="true")["dishes"]
    }
    assert rid(town["closed"]) not in open_ids
    assert rid(town["best"]) in open_ids

    within = search(http, q="cheese pizza", city=town["city"], radius_km=1, **COLOSSEUM)["dishes"]
    assert {h["restaurant_id"] for h in within} == {rid(town["near"])}

    sushi_only = search(http, q="pizza", city=town["city"], cuisine="sushi")
    assert sushi_only["dishes"] == []
    assert sushi_only["restaurants"] == []


def test_other_cities_are_not_searched(http: httpx.Client, town: dict[str, Any]) -> None:
    assert search(http, q="cheese pizza", city="Nowhere At All")["dishes"] == []


@pytest.mark.parametrize(
    "params",
    [{}, {"q": ""}, {"q": "!!!"}, {"q": "x" * 101}, {"q": "pizza", "limit": 0}, {"q": "pizza", "lat": 10}],
    ids=["missing", "empty", "no-word", "too-long", "limit", "half-point"],
)
def test_bad_search_parameters_are_400(http: httpx.Client, params: dict[str, Any]) -> None:
    response = http.get("/search", params=params)
    assert response.status_code == (422 if "lat" in params else 400), response.text  # lat without lon: a rule
    assert response.headers["content-type"].startswith("application/problem+json")
