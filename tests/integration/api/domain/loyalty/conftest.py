"""Fixtures of the loyalty tests: orders delivered through the real API, the service on the real shards."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from api.db import Databases

WALK = ["PAID", "ACCEPTED", "PREPARING", "READY", "PICKED_UP", "DELIVERED"]


@pytest.fixture
def order_at(
    place_order: Callable[..., dict[str, Any]], move_order: Callable[..., dict[str, Any]], admin: Any
) -> Callable[..., dict[str, Any]]:
    """``order_at(customer, restaurant, "DELIVERED")``: place an order and walk it to a status."""

    def walk(customer: Any, restaurant: Any, status: str) -> dict[str, Any]:
        order = place_order(customer, restaurant.restaurant_id)
        for step in WALK[: WALK.index(status) + 1]:
            actor = restaurant.staff if step in ("ACCEPTED", "PREPARING", "READY") else admin
            order = move_order(actor, order["order_id"], step)
        return order

    return walk


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def shards(stack: Any) -> AsyncIterator[Databases]:
    """Pools on the real catalog and shards, as the API opens them."""
    db = Databases(stack, min_size=1, max_size=10)
    await db.open()
    try:
        yield db
    finally:
        await db.close()
