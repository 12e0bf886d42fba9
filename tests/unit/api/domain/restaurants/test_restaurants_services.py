from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from api.domain.restaurants.controllers import near_point
from api.domain.restaurants.menu_store import as_utc, to_menu
from api.domain.restaurants.schemas import Menu, MenuItem, RestaurantCreate
from api.domain.restaurants.services import check_menu, check_opening_hours, dish_rows
from api.lib.errors import UnprocessableError

pytestmark = pytest.mark.unit


def item(item_id: str = "margherita", **fields: Any) -> MenuItem:
    body = {"id": item_id, "name": "Margherita", "category": "pizza", "sizes": [{"name": "s", "price_cents": 800}]}
    return msgspec.convert(body | fields, MenuItem)


@pytest.mark.parametrize(
    "hours", [{"mon": [["11:00", "23:00"]]}, {"fri": [["18:00", "02:00"]]}, {"sun": [["00:00", "24:00"]]}, {}]
)
def test_day_overnight_and_all_day_hours_are_accepted(hours: dict[str, list[list[str]]]) -> None:
    check_opening_hours(hours)  # type: ignore[arg-type]


@pytest.mark.parametrize("hours", [{"mon": [["24:00", "02:00"]]}, {"tue": [["10:00", "10:00"]]}])
def test_intervals_opening_at_midnight_end_or_lasting_nothing_are_rejected(hours: dict[str, Any]) -> None:
    with pytest.raises(UnprocessableError):
        check_opening_hours(hours)


@pytest.mark.parametrize(
    "hours", [{"mon": [["7:00", "9:00"]]}, {"mon": [["10:60", "11:00"]]}, {"mon": [["24:01", "11:00"]]}, {"xyz": []}]
)
def test_malformed_hours_fail_schema_validation(hours: dict[str, Any]) -> None:
    body = {
        "name": "R",
        "city": "Rome",
        "country": "IT",
        "timezone": "Europe/Rome",
        "currency": "EUR",
        "cuisine": "pizza",
        "address": "x",
        "lat": 1,
        "lon": 2,
        "opening_hours": hours,
    }
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert(body, RestaurantCreate)


def test_menus_need_unique_item_ids_and_unique_size_and_topping_names() -> None:
    check_menu([item("a"), item("b")])
    with pytest.raises(UnprocessableError, match="twice"):
        check_menu([item("a"), item("a")])
    with pytest.raises(UnprocessableError, match="size"):
        check_menu([item(sizes=[{"name": "s", "price_cents": 1}, {"name": "s", "price_cents": 2}])])
    with pytest.raises(UnprocessableError, match="topping"):
        check_menu([item(toppings=[{"name": "olives", "price_cents": 1}] * 2)])


def test_the_dish_index_row_carries_the_cheapest_size_and_availability() -> None:
    menu = Menu(
        restaurant_id=uuid.uuid4(),
        currency="EUR",
        version=3,
        updated_at=datetime.now(UTC),
        items=[item(sizes=[{"name": "l", "price_cents": 1200}, {"name": "s", "price_cents": 800}], available=False)],
    )
    assert dish_rows(menu) == [
        {
            "item_id": "margherita",
            "name": "Margherita",
            "description": "",
            "category": "pizza",
            "tags": [],
            "min_price_cents": 800,
            "available": False,
        }
    ]


def test_stored_menu_documents_become_menus_whatever_the_date_encoding() -> None:
    restaurant_id = uuid.uuid4()
    doc = {
        "_id": str(restaurant_id),
        "currency": "EUR",
        "version": 2,
        "updated_at": "2026-01-02 03:04:05.600000",
        "items": [msgspec.to_builtins(item())],
    }
    menu = to_menu(doc)
    assert menu.updated_at == datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=UTC)
    assert menu.item("margherita") is not None
    assert menu.item("nope") is None
    assert as_utc(datetime(2026, 1, 1)) == datetime(2026, 1, 1, tzinfo=UTC)


def test_a_point_filter_needs_both_coordinates_and_a_radius_needs_a_point() -> None:
    assert near_point(None, None, None) is None
    near = near_point(41.9, 12.5, 3.0)
    assert near is not None
    assert (near.lat, near.lon, near.radius_km) == (41.9, 12.5, 3.0)
    for args in ((41.9, None, None), (None, 12.5, None), (None, None, 5.0)):
        with pytest.raises(UnprocessableError):
            near_point(*args)
