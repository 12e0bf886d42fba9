"""Restaurants and menus over real HTTP: admin writes, staff scope, listing filters, menu cache and events."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import psycopg
import pytest
import redis
from support.api_actors import ApiRestaurant, ApiUser

from pizza.config import PlatformSettings

pytestmark = pytest.mark.integration
CLOSED_ALL_WEEK: dict[str, list[list[str]]] = {}
SMALL = {"name": "m", "price_cents": 700}


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


def open_for_the_hour_around_now(timezone: str) -> dict[str, list[list[str]]]:
    """Hours open from 30 minutes ago to 30 minutes ahead in ``timezone`` (past midnight if need be)."""
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    now = datetime.now(ZoneInfo(timezone))
    start, end = now - timedelta(minutes=30), now + timedelta(minutes=30)
    closes = "24:00" if end.date() != start.date() and end.hour == 0 and end.minute == 0 else end.strftime("%H:%M")
    return {days[start.weekday()]: [[start.strftime("%H:%M"), closes]]}


@pytest.fixture(scope="module")
def city() -> str:
    """A city name of this module only, so listings see just the restaurants made here."""
    return f"Testville {uuid.uuid4().hex[:6]}"


def test_admin_creates_a_restaurant_and_anyone_reads_it(
    http: httpx.Client, make_restaurant: Callable[..., ApiRestaurant]
) -> None:
    restaurant = make_restaurant(name="Da Michele", timezone="Europe/Rome", currency="EUR", country="IT")
    response = http.get(f"/restaurants/{restaurant.restaurant_id}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["timezone"], body["open_now"], body["rating_avg"]) == (
        "Da Michele",
        "Europe/Rome",
        True,
        None,
    )
    assert_problem(http.get(f"/restaurants/{uuid.uuid4()}"), 404)


def test_only_admins_create_restaurants(http: httpx.Client, make_user: Callable[..., ApiUser]) -> None:
    body = {
        "name": "Mine",
        "city": "Rome",
        "country": "IT",
        "timezone": "Europe/Rome",
        "currency": "EUR",
        "cuisine": "pizza",
        "address": "x",
        "lat": 41.9,
        "lon": 12.5,
    }
    assert_problem(http.post("/restaurants", json=body), 401)
    for role in ("customer", "rider"):
        assert_problem(http.post("/restaurants", json=body, headers=make_user(role).headers), 403)


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"timezone": "Mars/Olympus"}, 422),  # a well-formed name that is no IANA zone: a rule, not the schema
        ({"lat": 100}, 400),
        ({"currency": "euro"}, 400),
        ({"opening_hours": {"mon": [["25:00", "26:00"]]}}, 400),
        ({"opening_hours": {"mon": [["10:00", "10:00"]]}}, 422),
        ({"opening_hours": {"mon": [["24:00", "02:00"]]}}, 422),
        ({"opening_hours": {"someday": [["10:00", "12:00"]]}}, 400),
        ({"opening_hours": {"mon": [["10:00"]]}}, 400),
    ],
)
def test_restaurant_input_is_validated(http: httpx.Client, admin: ApiUser, change: dict[str, Any], status: int) -> None:
    """400: the schema refuses it; 422: each field fits the schema and a rule refuses the whole."""
    body = {
        "name": "Bad",
        "city": "Rome",
        "country": "IT",
        "timezone": "Europe/Rome",
        "currency": "EUR",
        "cuisine": "pizza",
        "address": "x",
        "lat": 41.9,
        "lon": 12.5,
        **change,
    }
    assert_problem(http.post("/restaurants", json=body, headers=admin.headers), status)


def test_staff_manage_only_their_own_restaurant(
    http: httpx.Client, make_restaurant: Callable[..., ApiRestaurant], make_user: Callable[..., ApiUser]
) -> None:
    mine, theirs = make_restaurant(), make_restaurant()
    staff = mine.staff
    menu = {"items": [{"id": "marinara", "name": "Marinara", "category": "pizza", "sizes": [SMALL]}]}

    assert http.put(f"/restaurants/{mine.restaurant_id}/menu", json=menu, headers=staff.headers).status_code == 200
    assert (
        http.patch(f"/restaurants/{mine.restaurant_id}", json={"address": "Neue Str. 2"}, headers=staff.headers).json()[
            "address"
        ]
        == "Neue Str. 2"
    )

    assert_problem(http.put(f"/restaurants/{theirs.restaurant_id}/menu", json=menu, headers=staff.headers), 403)
    assert_problem(
        http.patch(
            f"/restaurants/{theirs.restaurant_id}/menu/items/cola", json={"available": False}, headers=staff.headers
        ),
        403,
    )
    assert_problem(http.patch(f"/restaurants/{theirs.restaurant_id}", json={"name": "x"}, headers=staff.headers), 403)
    customer = make_user()
    assert_problem(http.put(f"/restaurants/{mine.restaurant_id}/menu", json=menu, headers=customer.headers), 403)
    assert_problem(http.put(f"/restaurants/{mine.restaurant_id}/menu", json=menu), 401)
    # The other restaurant's menu is untouched.
    assert [i["id"] for i in http.get(f"/restaurants/{theirs.restaurant_id}/menu").json()["items"]] == [
        "margherita",
        "cheese-pizza",
        "truffle-special",
        "cola",
    ]


def test_menu_write_refreshes_cache_search_rows_and_writes_an_outbox_event(
    http: httpx.Client, stack: PlatformSettings, make_restaurant: Callable[..., ApiRestaurant]
) -> None:
    restaurant = make_restaurant()
    rid = restaurant.restaurant_id
    first = http.get(f"/restaurants/{rid}/menu").json()
    cache = redis.Redis.from_url(stack.redis)
    assert cache.exists(f"pizza:menu:v1:{rid}")
    assert cache.ttl(f"pizza:menu:v1:{rid}") > 0

    toggled = http.patch(
        f"/restaurants/{rid}/menu/items/margherita", json={"available": False}, headers=restaurant.staff.headers
    )
    assert toggled.status_code == 200, toggled.text
    second = http.get(f"/restaurants/{rid}/menu").json()
    assert second["version"] == first["version"] + 1
    assert {i["id"]: i["available"] for i in second["items"]}["margherita"] is False

    with psycopg.connect(stack.catalog) as conn:
        rows = conn.execute(
            "SELECT item_id, available, min_price_cents FROM menu_items_search"
            " WHERE restaurant_id = %s ORDER BY item_id",
            (rid,),
        ).fetchall()
        events = conn.execute(
            "SELECT payload FROM outbox WHERE event_type = 'MenuUpdated' AND aggregate_id = %s", (str(rid),)
        ).fetchall()
    assert rows == [
        ("cheese-pizza", True, 900),
        ("cola", True, 250),
        ("margherita", False, 800),
        ("truffle-special", False, 2200),
    ]
    assert len(events) == 2
    assert events[-1][0]["item_count"] == 4

    replaced = http.put(
        f"/restaurants/{rid}/menu",
        json={"items": [{"id": "diavola", "name": "Diavola", "category": "pizza", "sizes": [SMALL]}]},
        headers=restaurant.staff.headers,
    )
    assert replaced.status_code == 200
    assert [i["id"] for i in http.get(f"/restaurants/{rid}/menu").json()["items"]] == ["diavola"]
    with psycopg.connect(stack.catalog) as conn:
        ids = conn.execute("SELECT item_id FROM menu_items_search WHERE restaurant_id = %s", (rid,)).fetchall()
    assert ids == [("diavola",)]


def test_a_menu_read_after_a_cache_loss_comes_from_mongodb(
    http: httpx.Client, stack: PlatformSettings, make_restaurant: Callable[..., ApiRestaurant]
) -> None:
    restaurant = make_restaurant()
    redis.Redis.from_url(stack.redis).delete(f"pizza:menu:v1:{restaurant.restaurant_id}")
    menu = http.get(f"/restaurants/{restaurant.restaurant_id}/menu").json()
    assert [i["name"] for i in menu["items"]][:2] == ["Margherita", "Cheese Pizza"]
    assert menu["items"][0]["sizes"] == [{"name": "small", "price_cents": 800}, {"name": "large", "price_cents": 1200}]


def test_a_restaurant_without_a_menu_shows_an_empty_one_and_unknown_ones_404(
    http: httpx.Client, make_restaurant: Callable[..., ApiRestaurant]
) -> None:
    restaurant = make_restaurant(menu={"items": []}, with_staff=False)
    assert http.get(f"/restaurants/{restaurant.restaurant_id}/menu").json()["items"] == []
    assert_problem(http.get(f"/restaurants/{uuid.uuid4()}/menu"), 404)


@pytest.mark.parametrize(
    "menu",
    [
        {"items": [{"id": "a", "name": "A", "category": "pizza", "sizes": []}]},
        {"items": [{"id": "a", "name": "A", "category": "pizza", "sizes": [{"name": "m", "price_cents": -1}]}]},
        {"items": [{"id": "Bad Id", "name": "A", "category": "pizza", "sizes": [{"name": "m", "price_cents": 1}]}]},
        {"items": [{"id": "a", "name": "A", "category": "p", "sizes": [{"name": "m", "price_cents": 1}]}] * 2},
        {"items": [{"id": "a", "name": "A", "category": "p", "sizes": [{"name": "m", "price_cents": 1}] * 2}]},
        {"items": [{"id": "a", "name": "A", "category": "p", "sizes": [{"name": "m", "price_cents": 1}], "x": 1}]},
        {"menu": []},
    ],
    ids=["no-size", "negative-price", "bad-id", "duplicate-id", "duplicate-size", "unknown-field", "no-items"],
)
def test_bad_menus_are_refused(
    http: httpx.Client,
    admin: ApiUser,
    make_restaurant: Callable[..., ApiRestaurant],
    menu: dict[str, Any],
    request: pytest.FixtureRequest,
) -> None:
    """Duplicates fit the schema (it cannot say "unique by name"), so they are a rule's 422."""
    restaurant = make_restaurant(with_staff=False)
    status = 422 if "duplicate" in request.node.callspec.id else 400
    response = http.put(f"/restaurants/{restaurant.restaurant_id}/menu", json=menu, headers=admin.headers)
    assert_problem(response, status)


def test_toggling_an_unknown_item_is_404(
    http: httpx.Client, admin: ApiUser, make_restaurant: Callable[..., ApiRestaurant]
) -> None:
    restaurant = make_restaurant(with_staff=False)
    path = f"/restaurants/{restaurant.restaurant_id}/menu/items/no-such-item"
    assert_problem(http.patch(path, json={"available": True}, headers=admin.headers), 404)


def test_listing_filters_by_city_cuisine_and_open_now_in_local_time(
    http: httpx.Client, stack: PlatformSettings, make_restaurant: Callable[..., ApiRestaurant], city: str
) -> None:
    always = make_restaurant(city=city, cuisine="pizza", with_staff=False)
    closed = make_restaurant(city=city, cuisine="pizza", opening_hours=CLOSED_ALL_WEEK, with_staff=False)
    sushi = make_restaurant(city=city, cuisine="sushi", with_staff=False)
    # Open now in Auckland's local time only; a wrong zone would test another hour and see it closed.
    hours = open_for_the_hour_around_now("Pacific/Auckland")
    auckland = make_restaurant(
        city=city, cuisine="pizza", timezone="Pacific/Auckland", opening_hours=hours, with_staff=False
    )
    wrong_zone = make_restaurant(city=city, cuisine="pizza", timezone="America/Lima", opening_hours=hours)

    def ids(**params: Any) -> set[str]:
        response = http.get("/restaurants", params={"city": city, **params})
        assert response.status_code == 200, response.text
        return {r["restaurant_id"] for r in response.json()["items"]}

    everything = {str(r.restaurant_id) for r in (always, closed, sushi, auckland, wrong_zone)}
    assert ids() == everything
    assert ids(city=city.upper()) == everything
    assert ids(cuisine="sushi") == {str(sushi.restaurant_id)}
    assert ids(cuisine="pizza", open_now="true") == {str(always.restaurant_id), str(auckland.restaurant_id)}


def test_listing_near_a_point_orders_by_distance_within_the_radius(
    http: httpx.Client, make_restaurant: Callable[..., ApiRestaurant], city: str
) -> None:
    # Around the Colosseum (41.8902, 12.4922): ~0.3 km, ~2 km and ~20 km away.
    near = make_restaurant(city=city, lat=41.8925, lon=12.4950, with_staff=False)
    mid = make_restaurant(city=city, lat=41.9030, lon=12.4700, with_staff=False)
    far = make_restaurant(city=city, lat=41.7500, lon=12.3500, with_staff=False)
    params = {"city": city, "lat": 41.8902, "lon": 12.4922}
    body = http.get("/restaurants", params={**params, "radius_km": 5}).json()
    assert [r["restaurant_id"] for r in body["items"]] == [str(near.restaurant_id), str(mid.restaurant_id)]
    assert 0.1 < body["items"][0]["distance_km"] < 0.6
    assert 1.5 < body["items"][1]["distance_km"] < 3
    unbounded = http.get("/restaurants", params=params).json()["items"]
    assert str(far.restaurant_id) in [r["restaurant_id"] for r in unbounded]
    assert_problem(http.get("/restaurants", params={"lat": 41.9}), 422)
    assert_problem(http.get("/restaurants", params={"radius_km": 3}), 422)


def test_cursor_pagination_walks_every_restaurant_once_best_rated_first(
    http: httpx.Client, stack: PlatformSettings, make_restaurant: Callable[..., ApiRestaurant]
) -> None:
    city = f"Pagetown {uuid.uuid4().hex[:6]}"
    made = [make_restaurant(city=city, with_staff=False) for _ in range(5)]
    ratings = [4.5, None, 4.9, 3.0, 4.5]
    with psycopg.connect(stack.catalog) as conn:
        for restaurant, rating in zip(made, ratings, strict=True):
            conn.execute(
                "UPDATE restaurants SET rating_avg = %s WHERE restaurant_id = %s", (rating, restaurant.restaurant_id)
            )
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"city": city, "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = http.get("/restaurants", params=params).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5
    assert len({r["restaurant_id"] for r in seen}) == 5
    assert [r["rating_avg"] for r in seen] == [4.9, 4.5, 4.5, 3.0, None]
    assert_problem(http.get("/restaurants", params={"cursor": "not-a-cursor"}), 422)
    near_cursor = http.get("/restaurants", params={"city": city, "limit": 1}).json()["next_cursor"]
    assert_problem(http.get("/restaurants", params={"cursor": near_cursor, "lat": 1, "lon": 1}), 422)
