"""Async connection pools for the catalog and every shard, and routing of a user to their shard.

Pools are opened once at start-up and shared by all requests of the worker. The shard map is read
from the catalog at start-up; a resharding operation publishes a new map and restarts the workers.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from pizza.config import PlatformSettings
from pizza.db.shards import ShardMap, ShardRange


class Databases:
    def __init__(self, platform: PlatformSettings, *, min_size: int = 1, max_size: int = 10) -> None:
        self.platform = platform
        kwargs = {"row_factory": dict_row}
        self.catalog = AsyncConnectionPool(
            platform.catalog, min_size=min_size, max_size=max_size, kwargs=kwargs, open=False, name="catalog"
        )
        self.shards = {
            name: AsyncConnectionPool(dsn, min_size=min_size, max_size=max_size, kwargs=kwargs, open=False, name=name)
            for name, dsn in platform.shards.items()
        }
        self.shard_map: ShardMap | None = None

    async def open(self) -> None:
        await self.catalog.open(wait=True, timeout=10)
        for pool in self.shards.values():
            await pool.open(wait=True, timeout=10)
        async with self.catalog.connection() as conn:
            cur = await conn.execute("SELECT bucket_from, bucket_to, shard FROM shard_map")
            rows: list[dict[str, Any]] = await cur.fetchall()  # type: ignore[assignment]
        self.shard_map = ShardMap(ShardRange(r["bucket_from"], r["bucket_to"], r["shard"]) for r in rows)

    async def close(self) -> None:
        await self.catalog.close()
        for pool in self.shards.values():
            await pool.close()

    def shard_name(self, user_id: uuid.UUID) -> str:
        if self.shard_map is None:
            raise RuntimeError("Databases.open() has not run")
        return self.shard_map.shard_for_user(user_id)

    def pool_for_user(self, user_id: uuid.UUID) -> AsyncConnectionPool:
        return self.shards[self.shard_name(user_id)]

    @asynccontextmanager
    async def user_tx(self, user_id: uuid.UUID) -> AsyncIterator[psycopg.AsyncConnection]:
        """A transaction on the user's shard (commits on success, rolls back on error)."""
        async with self.pool_for_user(user_id).connection() as conn, conn.transaction():
            yield conn

    @asynccontextmanager
    async def catalog_tx(self) -> AsyncIterator[psycopg.AsyncConnection]:
        async with self.catalog.connection() as conn, conn.transaction():
            yield conn
