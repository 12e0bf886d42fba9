"""Does each store a process holds answer right now? Readiness of the API (``/ready``) and the saga worker.

Each probe is one cheap round trip through the process's own clients (a pooled Postgres connection,
the Redis client, the MongoDB client), bounded by ``timeout_s``, so it fails while the server is down and
passes again as soon as those clients have reconnected: readiness follows what requests would see.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from psycopg_pool import AsyncConnectionPool
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from api.db.pools import Databases

OK = "ok"


async def _pg(pool: AsyncConnectionPool) -> None:
    async with pool.connection() as conn:
        await conn.execute("SELECT 1")


async def _result(probe: Awaitable[Any], timeout_s: float) -> str:
    try:
        await asyncio.wait_for(probe, timeout=timeout_s)
        return OK
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; the name says which kind
        return f"error: {type(exc).__name__}"


async def probe_stores(
    db: Databases,
    redis: Redis | None,
    mongo: AsyncDatabase[dict[str, Any]] | None,
    *,
    timeout_s: float = 2.0,
) -> dict[str, str]:
    """``{"catalog": "ok", "shard_0": "ok", ..., "redis": ..., "mongo": ...}``, probed concurrently."""
    probes: dict[str, Awaitable[Any]] = {"catalog": _pg(db.catalog)}
    probes |= {name: _pg(pool) for name, pool in sorted(db.shards.items())}
    if redis is not None:
        probes["redis"] = redis.ping()
    if mongo is not None:
        probes["mongo"] = mongo.command("ping")
    results = await asyncio.gather(*(_result(p, timeout_s) for p in probes.values()))
    return dict(zip(probes, results, strict=True))
