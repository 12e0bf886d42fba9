"""Dependency providers shared by every domain: the stores the app opened at start-up."""

from __future__ import annotations

from typing import Any

from litestar.datastructures import State
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from api.db import Databases


def provide_db(state: State) -> Databases:
    return state.db  # type: ignore[no-any-return]


def provide_redis(state: State) -> Redis:
    return state.redis  # type: ignore[no-any-return]


def provide_mongo(state: State) -> AsyncDatabase[dict[str, Any]]:
    return state.mongo  # type: ignore[no-any-return]
