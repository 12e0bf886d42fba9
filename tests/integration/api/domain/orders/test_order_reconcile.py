"""Repairing the restaurant projection from the shards: lost rows come back, stale rows move forward."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest
from support.api_actors import ApiRestaurant, ApiUser

from api.db import Databases
from api.domain.orders import reproject
from pizza.config import PlatformSettings

pytestmark = pytest.mark.integration


async def run_reproject(stack: PlatformSettings, since: datetime) -> int:
    db = Databases(stack, min_size=1, max_size=2)
    await db.open()
    try:
        return await reproject(db, since, batch=2)
    finally:
        await db.close()


def test_lost_and_stale_projection_rows_are_rebuilt_from_the_shards(
    stack: PlatformSettings,
    http: httpx.Client,
    admin: ApiUser,
    customer: ApiUser,
    make_restaurant: Callable[..., ApiRestaurant],
    place_order: Callable[..., dict[str, Any]],
    move_order: Callable[..., dict[str, Any]],
) -> None:
    restaurant = make_restaurant()
    since = datetime.now(UTC) - timedelta(seconds=1)
    lost, stale, intact = (place_order(customer, restaurant.restaurant_id)["order_id"] for _ in range(3))
    move_order(admin, stale, "PAID")
    move_order(restaurant.staff, stale, "ACCEPTED", estimated_ready_minutes=15)
    with psycopg.connect(stack.catalog) as conn:
        conn.execute("DELETE FROM restaurant_orders WHERE order_id = %s", (lost,))
        conn.execute("UPDATE restaurant_orders SET status = 'PENDING', status_seq = 1 WHERE order_id = %s", (stale,))
    queue_url = f"/restaurants/{restaurant.restaurant_id}/orders"
    assert len(http.get(queue_url, headers=restaurant.staff.headers).json()["items"]) == 2

    visited = asyncio.run(run_reproject(stack, since))

    assert visited >= 3
    queue = http.get(queue_url, headers=restaurant.staff.headers).json()["items"]
    assert {o["order_id"]: o["status"] for o in queue} == {lost: "PENDING", stale: "ACCEPTED", intact: "PENDING"}
    [repaired] = [o for o in queue if o["order_id"] == stale]
    assert repaired["estimated_ready_at"] is not None
    assert http.get(f"/orders/{lost}", headers=restaurant.staff.headers).status_code == 200
    with psycopg.connect(stack.catalog) as conn:
        seq = conn.execute("SELECT status_seq FROM restaurant_orders WHERE order_id = %s", (stale,)).fetchone()
    assert seq == (3,)
