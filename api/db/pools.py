"""Async connection pools for the catalog and every shard, and routing of a user to their shard.

Pools are opened once at start-up and shared by all requests of the worker. The shard map is read
from the catalog at start-up; a resharding operation publishes a new map and restarts the workers.
Each pool checks a connection before handing it out (``pizza.db.connections.pg_pool``), so a restart
of Postgres costs the callers nothing once the server is back: dead connections are replaced.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from pizza.config import PlatformSettings
from pizza.db.connections import PG_POOL_TIMEOUT_S, pg_pool
from pizza.db.shards import ShardMap, ShardRange


class Databases:
    def __init__(
        self,
        platform: PlatformSettings,
        *,
        min_size: int = 1,
        max_size: int = 10,
        timeout: float = PG_POOL_TIMEOUT_S,
    ) -> None:
        self.platform = platform
        dsns = {"catalog": platform.catalog, **platform.shards}
        pools = {
            name: pg_pool(dsn, name=name, min_size=min_size, max_size=max_size, timeout=timeout)
            for name, dsn in dsns.items()
        }
        self.catalog = pools.pop("catalog")
        self.shards = pools
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
