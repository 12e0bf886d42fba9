"""Menus: one MongoDB document per restaurant in ``menus``, read through a Redis cache.

The document is the source of truth. Cache entries are written by readers only if absent
(``SET NX``) and overwritten by writers, who also hold the restaurant's catalog row lock while they
re-read the stored menu; so a reader that fetched an older version can never replace a newer one,
and concurrent writers leave the cache at the last stored version. Entries expire after the
configured TTL anyway.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from api.domain.restaurants.schemas import Menu, MenuItem

COLLECTION = "menus"


def cache_key(restaurant_id: uuid.UUID) -> str:
    return f"pizza:menu:v1:{restaurant_id}"


def as_utc(value: datetime | str) -> datetime:
    """BSON dates come back naive (UTC); some wire-compatible servers return them as ISO text."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def to_menu(doc: dict[str, Any]) -> Menu:
    return Menu(
        restaurant_id=uuid.UUID(doc["_id"]),
        currency=doc["currency"],
        version=int(doc["version"]),
        updated_at=as_utc(doc["updated_at"]),
        items=msgspec.convert(doc["items"], list[MenuItem]),
    )


class MenuStore:
    def __init__(self, mongo: AsyncDatabase[dict[str, Any]], redis: Redis, cache_seconds: int) -> None:
        self.menus = mongo[COLLECTION]
        self.redis = redis
        self.cache_seconds = cache_seconds

    async def load(self, restaurant_id: uuid.UUID) -> Menu | None:
        """The stored menu, bypassing the cache (writers and price checks use this)."""
        doc = await self.menus.find_one({"_id": str(restaurant_id)})
        return to_menu(doc) if doc else None

    async def cached(self, restaurant_id: uuid.UUID) -> Menu | None:
        raw = await self.redis.get(cache_key(restaurant_id))
        if raw is not None:
            return msgspec.json.decode(raw, type=Menu)
        menu = await self.load(restaurant_id)
        if menu is not None:
            await self.redis.set(cache_key(restaurant_id), msgspec.json.encode(menu), ex=self.cache_seconds, nx=True)
        return menu

    async def replace(self, restaurant_id: uuid.UUID, currency: str, items: list[MenuItem]) -> Menu:
        doc = await self.menus.find_one_and_update(
            {"_id": str(restaurant_id)},
            {
                "$set": {
                    "currency": currency,
                    "items": msgspec.to_builtins(items),
                    "updated_at": datetime.now(UTC),
                },
                "$inc": {"version": 1},
            },
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert doc is not None  # an upsert always returns the document after the write
        return to_menu(doc)

    async def compare_and_set_items(self, menu: Menu, items: list[MenuItem]) -> Menu | None:
        """Write ``items`` only if the stored version is still ``menu.version``; None if someone else wrote."""
        doc = await self.menus.find_one_and_update(
            {"_id": str(menu.restaurant_id), "version": menu.version},
            {
                "$set": {"items": msgspec.to_builtins(items), "updated_at": datetime.now(UTC)},
                "$inc": {"version": 1},
            },
            return_document=ReturnDocument.AFTER,
        )
        return to_menu(doc) if doc else None

    async def publish(self, menu: Menu) -> None:
        """Overwrite the cache with the menu just stored (writers only)."""
        await self.redis.set(cache_key(menu.restaurant_id), msgspec.json.encode(menu), ex=self.cache_seconds)
