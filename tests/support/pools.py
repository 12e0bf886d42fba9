"""The async backend and the stores' clients, opened on the session's stack for one test each.

Tests that talk to the stores in-process (services, repositories, consumers) take these instead of
opening their own, so every pool is sized and closed the same way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from api.db import Databases
from pizza.config import PlatformSettings


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    """Async tests and fixtures run on asyncio only (the drivers' own loop)."""
    return "asyncio"


@pytest.fixture
async def databases(stack: PlatformSettings) -> AsyncIterator[Databases]:
    """Pools on the real catalog and every shard, as the API opens them."""
    db = Databases(stack, min_size=1, max_size=10)
    await db.open()
    try:
        yield db
    finally:
        await db.close()


@pytest.fixture
async def redis(stack: PlatformSettings) -> AsyncIterator[Redis]:
    client = Redis.from_url(stack.redis)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
async def mongo(stack: PlatformSettings) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    """The platform's MongoDB database."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack.mongo)
    try:
        yield client[stack.mongo_database]
    finally:
        await client.close()
