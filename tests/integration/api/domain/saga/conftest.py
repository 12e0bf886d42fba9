"""Fixtures of the saga tests (helpers in ``saga_world``): a ``SagaWorld`` on the kit's stores, restaurants
whose order totals steer the simulated gateway, riders online in the test's own city."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis
from saga_world import DEADLINES, DELIVERY_FEE_CENTS, ONE_PIZZA, Clock, SagaWorld, menu_with_price

from api.db import Databases
from api.domain.delivery.tracking import ensure_indexes
from api.domain.notifications import build_notification_service
from api.domain.notifications.settings import NotifySettings
from api.domain.saga import SagaOrchestrator
from pizza.config import PlatformSettings


@pytest.fixture
async def world(
    stack: PlatformSettings,
    databases: Databases,
    redis: Redis,
    mongo: AsyncDatabase[dict[str, Any]],
    tmp_path: Path,
) -> SagaWorld:
    await ensure_indexes(mongo, ttl_hours=24)
    out = tmp_path / "notifications.jsonl"
    notifier = build_notification_service(databases, mongo, stack.state_dir, settings=NotifySettings(output_file=out))
    clock = Clock()
    placeholder: Any = None
    world = SagaWorld(stack, databases, redis, mongo, notifier, placeholder, placeholder, clock, out)
    world.participants = world.build_participants()
    world.orchestrator = SagaOrchestrator(databases, world.participants, DEADLINES, clock=clock)
    return world


@pytest.fixture
def city() -> str:
    """A city of one's own: riders and waiting orders are kept per city in Redis, so tests never meet."""
    return f"Sagaburg {uuid.uuid4().hex[:8]}"


@pytest.fixture
def restaurant_ending(make_restaurant: Callable[..., Any], city: str) -> Callable[[int], Any]:
    """``restaurant_ending(cents)``: a restaurant in the test's city whose one-pizza order (``ONE_PIZZA``)
    totals ``…<cents>``; the simulated gateway decides by the cents: 13 declines, 17 times out, 42 is
    held for review, anything else is approved."""

    def make(cents: int) -> Any:
        price = 1000 + (cents - DELIVERY_FEE_CENTS) % 100
        return make_restaurant(menu=menu_with_price(price), city=city)

    return make


@pytest.fixture
def order_of(
    place_order: Callable[..., dict[str, Any]], restaurant_ending: Callable[[int], Any]
) -> Callable[..., tuple[Any, dict[str, Any]]]:
    """``order_of(customer, cents=50)`` -> (restaurant, order JSON) with the total ending in ``cents``."""

    def place(customer: Any, cents: int = 50) -> tuple[Any, dict[str, Any]]:
        restaurant = restaurant_ending(cents)
        order = place_order(customer, restaurant.restaurant_id, items=ONE_PIZZA)
        assert order["total_cents"] % 100 == cents, order["total_cents"]
        return restaurant, order

    return place


@pytest.fixture
def rider_online(make_user: Callable[..., Any], http: Any, city: str) -> Callable[..., Any]:
    """``rider_online(lat, lon)``: a rider of the test's city, online at that point (through the API)."""

    def online(lat: float = 52.5225, lon: float = 13.4140) -> Any:
        rider = make_user("rider", city=city)
        response = http.post("/riders/me/online", json={"lat": lat, "lon": lon, "city": city}, headers=rider.headers)
        assert response.status_code == 200, response.text
        return rider

    return online
