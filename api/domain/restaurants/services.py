"""Restaurants (catalog rows) and their menus (MongoDB documents), kept searchable in Postgres.

A menu write stores the document, then, under the restaurant's catalog row lock, re-reads the stored
menu and in one catalog transaction rewrites its dish rows in ``menu_items_search`` and writes a
``MenuUpdated`` outbox event; the cache gets the same stored version. MongoDB and Postgres share no
transaction: if the catalog step fails the document is already saved and the next write of that menu
(or ``reindex``) brings the search rows back in line.
"""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import msgspec
import psycopg
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from api.db import Databases
from api.domain.restaurants import repositories as repo
from api.domain.restaurants.filters import RestaurantFilter
from api.domain.restaurants.menu_store import MenuStore
from api.domain.restaurants.schemas import (
    Menu,
    MenuItem,
    MenuWrite,
    Restaurant,
    RestaurantCreate,
    RestaurantCursor,
    RestaurantPage,
    RestaurantUpdate,
    Weekday,
)
from api.lib.errors import ConflictError, NotFoundError, UnprocessableError
from api.lib.outbox import write_outbox
from api.lib.pagination import decode_cursor, encode_cursor
from api.lib.sql import Row
from pizza.contracts.events import MenuUpdated
from pizza.ids import new_id
from pizza.logs import get_logger

log = get_logger(__name__)
CAS_ATTEMPTS = 5


def check_opening_hours(hours: Mapping[Weekday, list[list[str]]]) -> None:
    """Reject intervals the SQL test cannot interpret: empty ones and ones opening at 24:00."""
    for day, intervals in hours.items():
        for opens, closes in intervals:
            if opens == "24:00":
                raise UnprocessableError(f"{day}: an interval cannot open at 24:00 (use 00:00)")
            if opens == closes:
                raise UnprocessableError(f"{day}: interval {opens}-{closes} is empty; use 00:00-24:00 for all day")


def check_menu(items: list[MenuItem]) -> None:
    """Ids unique in the menu, size and topping names unique in an item: orders refer to them by name."""
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise UnprocessableError(f"menu item id {item.id!r} appears twice")
        seen.add(item.id)
        for kind, names in (("size", [s.name for s in item.sizes]), ("topping", [t.name for t in item.toppings])):
            if len(names) != len(set(names)):
                raise UnprocessableError(f"item {item.id!r} lists a {kind} name twice")


def dish_rows(menu: Menu) -> list[Row]:
    return [
        {
            "item_id": item.id,
            "name": item.name,
            "description": item.description,
            "category": item.category,
            "tags": list(item.tags),
            "min_price_cents": min(size.price_cents for size in item.sizes),
            "available": item.available,
        }
        for item in menu.items
    ]


async def restaurant_exists(db: Databases, restaurant_id: uuid.UUID) -> bool:
    """For other domains (accounts binds staff to a restaurant) without building the whole service."""
    async with db.catalog.connection() as conn:
        return await repo.restaurant_exists(conn, restaurant_id)


def to_restaurant(row: Row) -> Restaurant:
    fields = {k: v for k, v in row.items() if k in Restaurant.__struct_fields__}
    return Restaurant(**fields)


@dataclass
class RestaurantService:
    db: Databases
    redis: Redis
    mongo: AsyncDatabase[dict[str, Any]]
    menu_cache_seconds: int

    @property
    def menus(self) -> MenuStore:
        return MenuStore(self.mongo, self.redis, self.menu_cache_seconds)

    # --- restaurants ---------------------------------------------------------------------------

    async def _check_timezone(self, conn: psycopg.AsyncConnection, tz: str) -> None:
        try:
            zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise UnprocessableError(f"unknown time zone {tz!r}; use an IANA name such as Europe/Rome") from None
        cur = await conn.execute("SELECT 1 FROM pg_timezone_names WHERE name = %s", (tz,))
        if await cur.fetchone() is None:
            raise UnprocessableError(f"unknown time zone {tz!r}; use an IANA name such as Europe/Rome")

    async def create(self, data: RestaurantCreate) -> Restaurant:
        check_opening_hours(data.opening_hours)
        row = msgspec.to_builtins(data) | {"restaurant_id": new_id()}
        async with self.db.catalog_tx() as conn:
            await self._check_timezone(conn, data.timezone)
            created = await repo.insert_restaurant(conn, row)
        log.info("restaurant created", restaurant_id=str(created["restaurant_id"]), city=data.city)
        return to_restaurant(created)

    async def update(self, restaurant_id: uuid.UUID, data: RestaurantUpdate) -> Restaurant:
        fields = {f: getattr(data, f) for f in data.__struct_fields__ if getattr(data, f) is not msgspec.UNSET}
        if "opening_hours" in fields:
            check_opening_hours(fields["opening_hours"])
        async with self.db.catalog_tx() as conn:
            if "timezone" in fields:
                await self._check_timezone(conn, fields["timezone"])
            row = await repo.update_restaurant(conn, restaurant_id, fields)
        if row is None:
            raise NotFoundError("no such restaurant")
        return to_restaurant(row)

    async def get(self, restaurant_id: uuid.UUID, *, include_inactive: bool = False) -> Restaurant:
        async with self.db.catalog.connection() as conn:
            row = await repo.get_restaurant(conn, restaurant_id, include_inactive=include_inactive)
        if row is None:
            raise NotFoundError("no such restaurant")
        return to_restaurant(row)

    async def list_restaurants(self, f: RestaurantFilter, cursor: str | None, limit: int) -> RestaurantPage:
        order: Literal["rating", "distance"] = "distance" if f.near is not None else "rating"
        after = None
        if cursor is not None:
            position = decode_cursor(cursor, RestaurantCursor)
            if position.order != order:
                raise UnprocessableError("the cursor belongs to a listing with other parameters")
            after = (position.sort, position.restaurant_id)
        async with self.db.catalog.connection() as conn:
            rows = await repo.list_restaurants(conn, f, after, limit + 1)
        page, more = rows[:limit], len(rows) > limit
        next_cursor = None
        if more:
            last = page[-1]
            next_cursor = encode_cursor(RestaurantCursor(order, float(last["sort_value"]), last["restaurant_id"]))
        return RestaurantPage(items=[to_restaurant(r) for r in page], next_cursor=next_cursor)

    # --- menus ---------------------------------------------------------------------------------

    async def get_menu(self, restaurant_id: uuid.UUID, *, fresh: bool = False) -> Menu:
        """The menu as customers see it (cached), or straight from MongoDB with ``fresh`` (pricing)."""
        menu = await (self.menus.load(restaurant_id) if fresh else self.menus.cached(restaurant_id))
        if menu is not None:
            return menu
        restaurant = await self.get(restaurant_id)
        return Menu(restaurant_id=restaurant_id, currency=restaurant.currency, version=0,
                    updated_at=restaurant.created_at, items=[])  # fmt: skip

    async def replace_menu(self, restaurant_id: uuid.UUID, data: MenuWrite) -> Menu:
        check_menu(data.items)
        restaurant = await self.get(restaurant_id, include_inactive=True)
        await self.menus.replace(restaurant_id, restaurant.currency, data.items)
        return await self._menu_written(restaurant_id)

    async def set_item_availability(self, restaurant_id: uuid.UUID, item_id: str, available: bool) -> Menu:
        for _ in range(CAS_ATTEMPTS):
            menu = await self.menus.load(restaurant_id)
            if menu is None or menu.item(item_id) is None:
                raise NotFoundError(f"restaurant {restaurant_id} has no menu item {item_id!r}")
            items = [msgspec.structs.replace(i, available=available) if i.id == item_id else i for i in menu.items]
            if await self.menus.compare_and_set_items(menu, items) is not None:
                return await self._menu_written(restaurant_id)
        raise ConflictError("the menu is being changed concurrently; retry")

    async def reindex(self, restaurant_id: uuid.UUID) -> Menu:
        """Rebuild the search rows, event and cache from the stored menu (repair after a failed write)."""
        return await self._menu_written(restaurant_id)

    async def _menu_written(self, restaurant_id: uuid.UUID) -> Menu:
        async with self.db.catalog_tx() as conn:
            if await repo.get_restaurant(conn, restaurant_id, include_inactive=True, lock=True) is None:
                raise NotFoundError("no such restaurant")
            menu = await self.menus.load(restaurant_id)
            if menu is None:
                raise NotFoundError("the restaurant has no menu yet")
            await repo.replace_dish_index(conn, restaurant_id, dish_rows(menu))
            await write_outbox(
                conn, MenuUpdated(restaurant_id=restaurant_id, item_count=len(menu.items), updated_at=menu.updated_at)
            )
            await self.menus.publish(menu)
        log.info("menu updated", restaurant_id=str(restaurant_id), version=menu.version, items=len(menu.items))
        return menu
