"""Fixtures of the review tests: orders delivered through the real API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

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
