"""Loyalty on the real shards: points earned once per delivered order, redeemed inside the order's
transaction without ever overspending, handed back once on cancellation, shown with the ledger."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from api.db import Databases
from api.domain.loyalty import LoyaltyService, loyalty_discount
from api.domain.loyalty.schemas import LedgerEntry
from api.domain.loyalty.settings import LoyaltySettings
from api.lib.errors import UnprocessableError
from pizza.contracts.events import OrderStatusChanged
from pizza.ids import new_id

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
GENEROUS = LoyaltySettings(points_per_unit=10, point_value_cents=1, max_redeem_share=0.5)


def delivered_event(customer: Any, order: dict[str, Any], to_status: str = "DELIVERED") -> OrderStatusChanged:
    return OrderStatusChanged(
        order_id=order["order_id"],
        user_id=customer.user_id,
        restaurant_id=order["restaurant_id"],
        from_status="PICKED_UP",
        to_status=to_status,  # type: ignore[arg-type]
        changed_at=order["updated_at"],
    )


async def balance(db: Databases, user_id: uuid.UUID) -> int:
    async with db.pool_for_user(user_id).connection() as conn:
        row = await (await conn.execute("SELECT loyalty_points FROM users WHERE user_id = %s", (user_id,))).fetchone()
    assert row is not None
    return int(row["loyalty_points"])  # type: ignore[call-overload]


@pytest.fixture
async def earned_order(
    databases: Databases, make_restaurant: Callable[..., Any], order_at: Callable[..., dict[str, Any]], customer: Any
) -> tuple[dict[str, Any], LedgerEntry]:
    """A delivered order of the test's customer and the points it earned."""
    order = order_at(customer, make_restaurant(), "DELIVERED")
    earned = await LoyaltyService(databases, GENEROUS).award_points(delivered_event(customer, order))
    assert earned is not None
    return order, earned


async def test_points_are_earned_once_per_delivered_order(
    databases: Databases,
    http: httpx.Client,
    make_restaurant: Callable[..., Any],
    order_at: Callable[..., dict[str, Any]],
    customer: Any,
) -> None:
    restaurant = make_restaurant()
    order = order_at(customer, restaurant, "DELIVERED")
    service = LoyaltyService(databases, GENEROUS)

    entry = await service.award_points(delivered_event(customer, order))
    food_cents = order["subtotal_cents"] - order["discount_cents"]
    assert entry is not None
    assert entry.points == food_cents // 100 * 10
    assert entry.balance_after == entry.points
    assert await service.award_points(delivered_event(customer, order)) is None  # a replayed event
    assert await balance(databases, customer.user_id) == entry.points

    not_delivered = order_at(customer, restaurant, "READY")
    assert await service.award_points(delivered_event(customer, not_delivered, "READY")) is None

    account = http.get("/users/me/loyalty", headers=customer.headers).json()
    assert account["balance"] == entry.points
    assert [(e["kind"], e["points"], e["order_id"]) for e in account["ledger"]] == [
        ("earn", entry.points, order["order_id"])
    ]


async def test_redemption_joins_the_order_transaction_and_never_overspends(
    databases: Databases, customer: Any, earned_order: tuple[dict[str, Any], LedgerEntry]
) -> None:
    _, earned = earned_order
    points = earned.points  # 260 for the default cart

    async def redeem(order_id: uuid.UUID, want: int, subtotal_cents: int = 10_000) -> int:
        async with databases.user_tx(customer.user_id) as conn:
            return (
                await loyalty_discount(
                    conn, customer.user_id, want, subtotal_cents=subtotal_cents, order_id=order_id, settings=GENEROUS
                )
            ).discount_cents

    capped_order = new_id()
    assert await redeem(capped_order, 100, subtotal_cents=120) == 60  # at most half the subtotal
    assert await redeem(capped_order, 100, subtotal_cents=120) == 60  # the same order again: same redemption
    assert await balance(databases, customer.user_id) == points - 60

    with pytest.raises(UnprocessableError):
        await redeem(new_id(), points)  # more than the balance
    assert await balance(databases, customer.user_id) == points - 60

    remaining = points - 60
    each = remaining // 3 + 1  # three of these cannot all fit
    outcomes = await asyncio.gather(*[redeem(new_id(), each) for _ in range(3)], return_exceptions=True)
    spent = [o for o in outcomes if isinstance(o, int)]
    assert len(spent) == 2
    assert all(isinstance(o, UnprocessableError) for o in outcomes if not isinstance(o, int))
    assert await balance(databases, customer.user_id) == remaining - 2 * each

    async with databases.user_tx(customer.user_id) as conn:
        rows = await (
            await conn.execute("SELECT count(*) AS n FROM loyalty_ledger WHERE user_id = %s", (customer.user_id,))
        ).fetchone()
    assert rows is not None
    assert rows["n"] == 1 + 1 + 2  # type: ignore[call-overload]


async def test_a_failed_order_takes_its_redemption_with_it_and_cancellation_returns_points(
    databases: Databases, customer: Any, earned_order: tuple[dict[str, Any], LedgerEntry]
) -> None:
    order, earned = earned_order

    class OrderFailed(Exception):
        pass

    async def place_failing_order() -> None:
        async with databases.user_tx(customer.user_id) as conn:
            await loyalty_discount(
                conn, customer.user_id, 50, subtotal_cents=5_000, order_id=new_id(), settings=GENEROUS
            )
            raise OrderFailed  # e.g. the order insert failed after pricing

    with pytest.raises(OrderFailed):
        await place_failing_order()
    assert await balance(databases, customer.user_id) == earned.points

    spent_on = new_id()
    async with databases.user_tx(customer.user_id) as conn:
        await loyalty_discount(conn, customer.user_id, 50, subtotal_cents=5_000, order_id=spent_on, settings=GENEROUS)
    cancelled = delivered_event(customer, {**order, "order_id": str(spent_on)}, "CANCELLED")
    service = LoyaltyService(databases, GENEROUS)
    returned = await service.return_redeemed_points(cancelled)
    assert returned is not None
    assert returned.points == 50
    assert await service.return_redeemed_points(cancelled) is None
    assert await balance(databases, customer.user_id) == earned.points
