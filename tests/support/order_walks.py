"""An order walked through its states by the actors the state machine names, through the served API.

The path and who makes each move come from ``api.domain.orders.states``, so a test never restates the
order lifecycle: payment moves are made by the admin (standing in for the payment flow), kitchen moves
by the restaurant's staff, and rider moves by the given rider (or the admin when there is none).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import Any

import pytest

from api.domain.orders.states import ETA_TRANSITIONS, TRANSITIONS

HAPPY_PATH: tuple[str, ...] = ("PENDING", "PAID", "ACCEPTED", "PREPARING", "READY", "PICKED_UP", "DELIVERED")
ETA_MINUTES = {"ACCEPTED": 15, "PREPARING": 10}  # the kitchen's promise, revised when cooking starts


def steps_to(current: str, status: str) -> list[tuple[str, str]]:
    """The (from, to) moves from ``current`` to ``status`` along the happy path."""
    path = HAPPY_PATH[HAPPY_PATH.index(current) : HAPPY_PATH.index(status) + 1]
    return list(pairwise(path))


def mover(move: tuple[str, str], *, admin: Any, staff: Any, rider: Any = None) -> Any:
    """Who makes ``move``: the payment flow's moves go to the admin, the kitchen's to staff, the road's to
    the rider."""
    allowed = TRANSITIONS[move]  # type: ignore[index]
    if "system" in allowed:
        return admin
    if "restaurant_staff" in allowed:
        return staff
    return rider or admin


@pytest.fixture(scope="session")
def walk_order(move_order: Callable[..., dict[str, Any]], admin: Any) -> Callable[..., dict[str, Any]]:
    """``walk_order(order, "READY", staff=..., rider=...)``: move an order step by step to a status."""

    def walk(order: dict[str, Any], status: str, *, staff: Any, rider: Any = None) -> dict[str, Any]:
        for move in steps_to(order["status"], status):
            extra = {"estimated_ready_minutes": ETA_MINUTES[move[1]]} if move in ETA_TRANSITIONS else {}
            actor = mover(move, admin=admin, staff=staff, rider=rider)
            order = move_order(actor, order["order_id"], move[1], **extra)
        return order

    return walk


@pytest.fixture(scope="session")
def order_at(
    place_order: Callable[..., dict[str, Any]], walk_order: Callable[..., dict[str, Any]]
) -> Callable[..., dict[str, Any]]:
    """``order_at(customer, restaurant, "DELIVERED")``: place an order and walk it to a status."""

    def place_and_walk(customer: Any, restaurant: Any, status: str, **cart: Any) -> dict[str, Any]:
        order = place_order(customer, restaurant.restaurant_id, **cart)
        return walk_order(order, status, staff=restaurant.staff)

    return place_and_walk
