"""Dependency providers of the restaurants domain."""

from __future__ import annotations

from typing import Any

from litestar.datastructures import State
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from api.db import Databases
from api.domain.restaurants.services import RestaurantService


def provide_restaurant_service(
    db: Databases, redis: Redis, mongo: AsyncDatabase[dict[str, Any]], state: State
) -> RestaurantService:
    return RestaurantService(db=db, redis=redis, mongo=mongo, menu_cache_seconds=state.settings.menu_cache_seconds)
