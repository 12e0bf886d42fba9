"""Clients of the shared stores that survive a restart of the server behind them.

A restarted Postgres, Redis or MongoDB leaves every pooled connection dead. Each client here uses what
its library offers to notice that and reconnect, instead of handing a dead connection to the caller:

* Postgres (psycopg_pool): ``check`` pings a connection before it is handed out (a dead one is thrown
  away and another taken; the first dead one has the pool test every idle connection at once, see
  ``PurgeOnFailure``), ``timeout`` bounds the wait for a connection while the server is down, and
  a short ``reconnect_timeout`` caps the pool's reconnection backoff (it doubles from 1 s until then,
  and the next request starts a new series), so the pool is whole again seconds after the server is;
* Redis (redis-py): ``Retry`` with exponential backoff reconnects and repeats a command that failed on a
  connection or timeout error, ``health_check_interval`` pings a connection idle for longer first;
* MongoDB (pymongo): retryable reads and writes, and a short server selection timeout so that a request
  fails fast (and the API answers 503) rather than hanging for pymongo's default 30 s.

The retries are short on purpose: they cover a dead connection after a restart, not an outage. While a
store is down its errors reach the caller quickly; the API answers 503, a consumer rewinds and tries the
message again later.
"""

from __future__ import annotations

import asyncio
from typing import Any

import redis.exceptions
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool
from pymongo import AsyncMongoClient
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

PG_CONNECT_TIMEOUT_S = 3
"""A connection attempt to a server that is down fails within this (libpq ``connect_timeout``)."""
PG_POOL_TIMEOUT_S = 5.0
"""How long a caller waits for a pooled connection before ``PoolTimeout`` (an ``OperationalError``)."""
PG_RECONNECT_S = 10.0
"""The pool gives up a reconnection series after this; a waiting caller starts the next one at once."""
REDIS_RETRIES = 3
"""Reconnect and repeat a Redis command this many times (about 0.4 s in all with the backoff below)."""
REDIS_HEALTH_CHECK_S = 5
"""Ping a Redis connection idle for longer than this before using it."""
MONGO_SERVER_SELECTION_MS = 3000
"""A MongoDB operation waits this long for a reachable server, then raises ``ServerSelectionTimeoutError``."""


class PurgeOnFailure:
    """A pool ``check`` that, when one idle connection is dead, has the pool test all the others at once.

    psycopg_pool hands out idle connections oldest first and, after each dead one, backs off 1 s, 2 s,
    4 s ... before taking the next. After a restart every idle connection is dead, so an idle pool of
    ten would spend a caller's whole timeout on them (the API answered 503 to the first request made
    minutes after Postgres came back). ``pool.check()`` replaces them together instead.
    """

    def __init__(self) -> None:
        self.pool: AsyncConnectionPool | None = None
        self._purge: asyncio.Task[None] | None = None

    async def __call__(self, conn: Any) -> None:
        try:
            await AsyncConnectionPool.check_connection(conn)
        except Exception:
            if self.pool is not None and (self._purge is None or self._purge.done()):
                self._purge = asyncio.get_running_loop().create_task(self.pool.check())
            raise


def pg_pool(
    dsn: str,
    *,
    name: str,
    min_size: int = 1,
    max_size: int = 10,
    timeout: float = PG_POOL_TIMEOUT_S,
) -> AsyncConnectionPool:
    """An async pool (dict rows, not opened yet) that checks each connection before handing it out."""
    check = PurgeOnFailure()
    pool: AsyncConnectionPool = AsyncConnectionPool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        kwargs={"row_factory": dict_row, "connect_timeout": PG_CONNECT_TIMEOUT_S},
        check=check,
        timeout=timeout,
        reconnect_timeout=PG_RECONNECT_S,
        open=False,
        name=name,
    )
    check.pool = pool
    return pool


def redis_retry() -> Retry:
    return Retry(
        ExponentialBackoff(cap=0.25, base=0.05),
        REDIS_RETRIES,
        supported_errors=(redis.exceptions.ConnectionError, redis.exceptions.TimeoutError),
    )


def redis_client(url: str, **overrides: Any) -> Redis:
    """An asyncio Redis client that reconnects after a server restart (``overrides`` for tests)."""
    options: dict[str, Any] = {
        "retry": redis_retry(),
        "retry_on_error": [ConnectionResetError],  # raised raw by a socket the server closed mid-read
        "health_check_interval": REDIS_HEALTH_CHECK_S,
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
        **overrides,
    }
    return Redis.from_url(url, **options)


def mongo_client(url: str, **overrides: Any) -> AsyncMongoClient[dict[str, Any]]:
    """An async MongoDB client with retryable reads and writes that fails fast while the server is down."""
    options: dict[str, Any] = {
        "retryReads": True,
        "retryWrites": True,
        "serverSelectionTimeoutMS": MONGO_SERVER_SELECTION_MS,
        "connectTimeoutMS": 2000,
        **overrides,
    }
    return AsyncMongoClient(url, **options)
