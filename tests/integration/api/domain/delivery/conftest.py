"""Fixtures of the delivery tests: places around the shared restaurant, a city per test, order events
read back from the shard outbox (what the saga consumer will deliver) and an in-process
``DeliveryService`` on the real stores. Orders are walked with the kit's ``walk_order``; the socket
tests' server is the kit's ``ws_api_url``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis
from support.shards import outbox_rows, shard_dsn

from api.db import Databases
from api.domain.delivery import DeliveryService, RedisFeed
from api.domain.delivery.tracking import ensure_indexes
from pizza.config import PlatformSettings
from pizza.contracts.events import DeliveryAssigned, Event, OrderStatusChanged


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
def city() -> str:
    """A city of one's own: riders and waiting orders in Redis are per city, so tests never meet."""
    return f"Testburg {uuid.uuid4().hex[:8]}"


def outbox(stack: PlatformSettings, user_id: uuid.UUID, order_id: uuid.UUID | str) -> list[Event]:
    """The order's events in commit order, typed, as the saga consumer will receive them."""
    types: dict[str, type[Event]] = {"OrderStatusChanged": OrderStatusChanged, "DeliveryAssigned": DeliveryAssigned}
    rows = outbox_rows(stack, user_id, order_id)
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
async def delivery_service(databases: Databases, redis: Redis, mongo: AsyncDatabase[dict[str, Any]]) -> DeliveryService:
    """The service on the real stores, publishing with plain Redis PUBLISH like an event consumer would."""
    await ensure_indexes(mongo, ttl_hours=24)
    return DeliveryService(databases, redis, mongo, RedisFeed(redis))
