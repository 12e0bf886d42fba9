"""Loyalty points through the saga: an order placed over HTTP with points, then cancelled or refunded; the
points it spent come back once, a refunded delivered order loses what it earned (never below zero)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from saga_world import ONE_PIZZA, SagaWorld

from api.domain.loyalty import LoyaltyService
from pizza.contracts.events import OrderStatusChanged
from pizza.ids import new_id

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
Move = Callable[..., dict[str, Any]]


def balance(http: httpx.Client, user: Any) -> int:
    points: int = http.get("/users/me/loyalty", headers=user.headers).json()["balance"]
    return points


def ledger(world: SagaWorld, user_id: uuid.UUID, order_id: str) -> list[tuple[str, int]]:
    sql = "SELECT kind, points FROM loyalty_ledger WHERE order_id = %s ORDER BY entry_id"
    rows = world.rows(user_id, sql, (order_id,))
    return [(r["kind"], r["points"]) for r in rows]


@pytest.fixture
def restaurant(restaurant_ending: Callable[[int], Any]) -> Any:
    return restaurant_ending(50)  # approved by the simulated gateway, with or without 100 points off


async def test_a_cancelled_order_gets_its_points_back_once(
    world: SagaWorld, http: httpx.Client, customer: Any, restaurant: Any, place_order: Callable[..., dict[str, Any]]
) -> None:
    await LoyaltyService(world.db).credit(customer.user_id, 1_000, "welcome", new_id())
    order = place_order(customer, restaurant.restaurant_id, items=ONE_PIZZA, redeem_points=100)
    oid, uid = order["order_id"], customer.user_id
    assert (order["points_redeemed"], balance(http, customer)) == (100, 900)

    cancel = http.post(f"/orders/{oid}/cancel", headers=customer.headers)
    assert cancel.json()["status"] == "CANCELLED"
    await world.pump(uid, oid)
    assert (await world.saga(uid, oid)).state == "CANCELLED"
    assert ledger(world, uid, oid) == [("redeem", -100), ("redeem_reversal", 100)]
    assert balance(http, customer) == 1_000

    assert set(await world.feed(world.outbox(uid, oid))) == {"duplicate"}
    assert await LoyaltyService(world.db).reverse_points(_ended(order, uid, "CANCELLED")) == []  # asked again
    assert balance(http, customer) == 1_000


async def test_a_refunded_delivered_order_returns_what_it_spent_and_loses_what_it_earned(
    world: SagaWorld,
    http: httpx.Client,
    admin: Any,
    customer: Any,
    restaurant: Any,
    place_order: Callable[..., dict[str, Any]],
    move_order: Move,
) -> None:
    await LoyaltyService(world.db).credit(customer.user_id, 1_000, "welcome", new_id())
    order = place_order(customer, restaurant.restaurant_id, items=ONE_PIZZA, redeem_points=100)
    oid, uid = order["order_id"], customer.user_id
    await deliver(world, order, restaurant, admin, move_order)
    earned = (order["subtotal_cents"] - order["discount_cents"]) // 100
    assert ledger(world, uid, oid) == [("redeem", -100), ("earn", earned)]
    assert balance(http, customer) == 900 + earned

    move_order(admin, oid, "REFUNDED", reason="wrong pizza")
    await world.pump(uid, oid)
    assert (await world.saga(uid, oid)).state == "REFUNDED"
    assert ledger(world, uid, oid) == [("redeem", -100), ("earn", earned), ("redeem_reversal", 100),
                                       ("earn_reversal", -earned)]  # fmt: skip
    assert balance(http, customer) == 1_000
    assert set(await world.feed(world.outbox(uid, oid))) == {"duplicate"}
    assert balance(http, customer) == 1_000


async def test_points_already_spent_are_not_clawed_back_below_zero(
    world: SagaWorld,
    http: httpx.Client,
    admin: Any,
    customer: Any,
    restaurant: Any,
    place_order: Callable[..., dict[str, Any]],
    move_order: Move,
) -> None:
    order = place_order(customer, restaurant.restaurant_id, items=ONE_PIZZA)
    oid, uid = order["order_id"], customer.user_id
    await deliver(world, order, restaurant, admin, move_order)
    earned = balance(http, customer)
    assert earned > 0
    spent = place_order(customer, restaurant.restaurant_id, items=ONE_PIZZA, redeem_points=earned)
    assert (spent["points_redeemed"], balance(http, customer)) == (earned, 0)

    move_order(admin, oid, "REFUNDED", reason="late")
    await world.pump(uid, oid)
    assert ledger(world, uid, oid) == [("earn", earned), ("earn_reversal", 0)]  # nothing left to take, once
    assert await LoyaltyService(world.db).reverse_points(_ended(order, uid, "REFUNDED")) == []
    assert balance(http, customer) == 0


async def deliver(world: SagaWorld, order: dict[str, Any], restaurant: Any, admin: Any, move_order: Move) -> None:
    """Pay (the saga charges it), cook, and deliver the order (the admin standing in for a rider)."""
    oid, uid = order["order_id"], uuid.UUID(str(order["user_id"]))
    await world.pump(uid, oid)
    move_order(restaurant.staff, oid, "ACCEPTED", estimated_ready_minutes=15)
    move_order(restaurant.staff, oid, "PREPARING")
    move_order(restaurant.staff, oid, "READY")
    move_order(admin, oid, "PICKED_UP")
    move_order(admin, oid, "DELIVERED")
    await world.pump(uid, oid)
    assert (await world.saga(uid, oid)).state == "COMPLETED"


def _ended(order: dict[str, Any], user_id: uuid.UUID, status: str) -> OrderStatusChanged:
    return OrderStatusChanged(
        order_id=order["order_id"], user_id=user_id, restaurant_id=order["restaurant_id"], from_status=None,
        to_status=status, changed_at=order["created_at"],  # type: ignore[arg-type]
    )  # fmt: skip
