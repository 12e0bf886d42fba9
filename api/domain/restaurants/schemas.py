"""Restaurants and menus as the API speaks them. Constraints live here, so bad input is a 400."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from api.lib.validation import free_text, text

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ClockTime = Annotated[
    str, Meta(pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$", description="HH:MM local time; 24:00 = midnight")
]
Interval = Annotated[
    list[ClockTime],
    Meta(
        min_length=2,
        max_length=2,
        description='[opens, closes]; closing at or before opening runs past midnight ("18:00", "02:00")',
    ),
]
OpeningHours = Annotated[
    dict[Weekday, Annotated[list[Interval], Meta(max_length=6)]],
    Meta(description='Local opening intervals per weekday, e.g. {"mon": [["11:00", "14:30"], ["17:00", "23:00"]]}'),
]
Text = Annotated[str, text(120)]
Latitude = Annotated[float, Meta(ge=-90, le=90)]
Longitude = Annotated[float, Meta(ge=-180, le=180)]
Country = Annotated[str, Meta(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2", examples=["IT"])]
Currency = Annotated[str, Meta(pattern=r"^[A-Z]{3}$", description="ISO 4217", examples=["EUR"])]
TimeZone = Annotated[
    str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_+\-/]*$", examples=["Europe/Rome"])
]
Cents = Annotated[int, Meta(ge=0, le=10_000_000, description="amount in the restaurant's currency, minor units")]
ItemId = Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9_\-]{0,63}$", examples=["margherita"])]
Label = Annotated[str, text(40)]


class RestaurantCreate(Struct, forbid_unknown_fields=True):
    name: Text
    city: Annotated[str, text(100)]
    country: Country
    timezone: TimeZone
    currency: Currency
    cuisine: Annotated[str, text(50)]
    address: Annotated[str, text(200)]
    lat: Latitude
    lon: Longitude
    opening_hours: OpeningHours = {}


class RestaurantUpdate(Struct, forbid_unknown_fields=True):
    """Changeable fields; the currency is fixed at creation because menus are priced in it."""

    name: Text | UnsetType = UNSET
    cuisine: Annotated[str, text(50)] | UnsetType = UNSET
    address: Annotated[str, text(200)] | UnsetType = UNSET
    timezone: TimeZone | UnsetType = UNSET
    lat: Latitude | UnsetType = UNSET
    lon: Longitude | UnsetType = UNSET
    opening_hours: OpeningHours | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET


class Restaurant(Struct):
    restaurant_id: uuid.UUID
    name: str
    city: str
    country: str
    timezone: str
    currency: str
    cuisine: str
    address: str
    lat: float
    lon: float
    opening_hours: dict[str, list[list[str]]]
    rating_avg: float | None
    rating_count: int
    is_active: bool
    open_now: bool
    created_at: datetime
    updated_at: datetime
    distance_km: float | None = None


class RestaurantPage(Struct):
    items: list[Restaurant]
    next_cursor: str | None


class SizePrice(Struct, forbid_unknown_fields=True):
    name: Label
    price_cents: Cents


class ToppingPrice(Struct, forbid_unknown_fields=True):
    name: Label
    price_cents: Cents


class MenuItem(Struct, forbid_unknown_fields=True):
    id: ItemId
    name: Text
    category: Annotated[str, text(50, examples=["pizza"])]
    sizes: Annotated[list[SizePrice], Meta(min_length=1, max_length=10)]
    description: Annotated[str, free_text(500)] = ""
    toppings: Annotated[list[ToppingPrice], Meta(max_length=50)] = []
    available: bool = True
    tags: Annotated[list[Label], Meta(max_length=20)] = []


class MenuWrite(Struct, forbid_unknown_fields=True):
    """A whole menu; replaces the previous one."""

    items: Annotated[list[MenuItem], Meta(max_length=500)]


class Menu(Struct):
    restaurant_id: uuid.UUID
    currency: str
    version: int
    updated_at: datetime
    items: list[MenuItem]

    def item(self, item_id: str) -> MenuItem | None:
        return next((item for item in self.items if item.id == item_id), None)


class AvailabilityUpdate(Struct, forbid_unknown_fields=True):
    available: bool


class RestaurantCursor(Struct, array_like=True, forbid_unknown_fields=True):
    """Position after the last row of a page: the sort value, the id tie-breaker, and the ordering."""

    order: Literal["rating", "distance"]
    sort: float
    restaurant_id: uuid.UUID
