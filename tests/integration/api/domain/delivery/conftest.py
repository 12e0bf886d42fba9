"""Fixtures of the delivery tests: orders walked to a status through the real API, their events read
back from the shard outbox (what the saga consumer will deliver), an in-process ``DeliveryService``
on the real stores, and a second API server with WebSockets on, two workers, for the socket tests.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from api.db import Databases
from api.domain.delivery import DeliveryService, RedisFeed
from api.domain.delivery.tracking import ensure_indexes
from pizza.config import PlatformSettings
from pizza.contracts.events import DeliveryAssigned, Event, OrderStatusChanged
from pizza.db.shards import ShardMap

REPO = Path(__file__).resolve().parents[5]
WALK = ["PAID", "ACCEPTED", "PREPARING", "READY", "PICKED_UP", "DELIVERED"]
KITCHEN = {"ACCEPTED", "PREPARING", "READY"}
ETA_MINUTES = {"ACCEPTED": 15, "PREPARING": 10}  # the kitchen's promise, revised when cooking starts


@dataclass(frozen=True)
class Spots:
    """The shared restaurant fixture's location and points around it (about 0.5, 1.8 and 10 km away)."""

    restaurant: tuple[float, float] = (52.5219, 13.4132)
    near: tuple[float, float] = (52.5260, 13.4180)
    farther: tuple[float, float] = (52.5340, 13.4300)
    out_of_radius: tuple[float, float] = (52.6000, 13.5000)


@pytest.fixture(scope="session")
def spots() -> Spots:
    return Spots()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def city() -> str:
    """A city of one's own: riders and waiting orders in Redis are per city, so tests never meet."""
    return f"Testburg {uuid.uuid4().hex[:8]}"


@pytest.fixture
def walk_order(move_order: Callable[..., dict[str, Any]], admin: Any) -> Callable[..., dict[str, Any]]:
    """``walk_order(order, "READY", staff=..., rider=...)``: move an order step by step to a status."""

    def walk(order: dict[str, Any], status: str, *, staff: Any, rider: Any = None) -> dict[str, Any]:
        start = WALK.index(order["status"]) + 1 if order["status"] in WALK else 0
        for step in WALK[start : WALK.index(status) + 1]:
            actor = admin if step == "PAID" else staff if step in KITCHEN else rider or admin
            extra = {"estimated_ready_minutes": ETA_MINUTES[step]} if step in ETA_MINUTES else {}
            order = move_order(actor, order["order_id"], step, **extra)
        return order

    return walk


def shard_dsn(stack: PlatformSettings, user_id: uuid.UUID) -> str:
    with psycopg.connect(stack.catalog) as conn:
        return stack.shards[ShardMap.load(conn).shard_for_user(user_id)]


def outbox(stack: PlatformSettings, user_id: uuid.UUID, order_id: uuid.UUID | str) -> list[Event]:
    """The order's events in commit order, typed, as the saga consumer will receive them."""
    types: dict[str, type[Event]] = {"OrderStatusChanged": OrderStatusChanged, "DeliveryAssigned": DeliveryAssigned}
    with psycopg.connect(shard_dsn(stack, user_id), row_factory=dict_row) as conn:
        rows = conn.execute(
            "SELECT event_type, payload FROM outbox WHERE aggregate_id = %s ORDER BY created_at, event_id",
            (str(order_id),),
        ).fetchall()
    return [types[r["event_type"]].model_validate(r["payload"]) for r in rows if r["event_type"] in types]


@pytest.fixture
def order_events(stack: PlatformSettings) -> Callable[[uuid.UUID, Any], list[Event]]:
    """``order_events(customer_id, order_id)`` -> the order's events from the customer's shard outbox."""
    return lambda user_id, order_id: outbox(stack, user_id, order_id)


@pytest.fixture
def shard_row(stack: PlatformSettings) -> Callable[..., dict[str, Any] | None]:
    """``shard_row(user_id, sql, params)`` -> one row from the user's shard."""

    def fetch(user_id: uuid.UUID, sql: str, params: Any = None) -> dict[str, Any] | None:
        with psycopg.connect(shard_dsn(stack, user_id), row_factory=dict_row) as conn:
            return conn.execute(sql, params).fetchone()

    return fetch


@pytest.fixture
def status_event(stack: PlatformSettings) -> Callable[[Any, dict[str, Any]], OrderStatusChanged]:
    """``status_event(customer, order)`` -> the OrderStatusChanged event of the order's current status."""

    def latest(customer: Any, order: dict[str, Any]) -> OrderStatusChanged:
        events = [e for e in outbox(stack, customer.user_id, order["order_id"]) if isinstance(e, OrderStatusChanged)]
        assert events, "the order has no status events"
        assert events[-1].to_status == order["status"], events
        return events[-1]

    return latest


@pytest.fixture
async def delivery_service(stack: PlatformSettings) -> AsyncIterator[DeliveryService]:
    """The service on the real stores, publishing with plain Redis PUBLISH like an event consumer would."""
    db = Databases(stack, min_size=1, max_size=10)
    await db.open()
    redis = Redis.from_url(stack.redis)
    mongo_client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack.mongo)
    mongo = mongo_client[stack.mongo_database]
    await ensure_indexes(mongo, ttl_hours=24)
    try:
        yield DeliveryService(db, redis, mongo, RedisFeed(redis))
    finally:
        await db.close()
        await redis.aclose()
        await mongo_client.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def ws_api_url(stack: PlatformSettings) -> Iterator[str]:
    """The app served by Granian with WebSockets on and two worker processes: a socket may land on
    either worker, so live messages must cross processes through Redis to arrive."""
    port = _free_port()
    log_path = stack.state_dir / "api-ws.log"
    metrics_dir = stack.state_dir / "api-ws-metrics"
    metrics_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "PIZZA_API_RATE_LIMIT_PER_MINUTE_IP": "1000000",
        "PIZZA_API_RATE_LIMIT_PER_MINUTE_USER": "1000000",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    argv = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--host", "127.0.0.1"]
    argv += ["--port", str(port), "--workers", "2", "api.app:create_app"]
    url = f"http://127.0.0.1:{port}"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(argv, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"the API exited with {proc.returncode}; see {log_path}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the API did not become ready in 60 s; see {log_path}")
                time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
