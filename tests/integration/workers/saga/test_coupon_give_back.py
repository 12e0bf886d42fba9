"""A cancelled order's coupon use comes back: the ``coupons`` purpose on the events the order's shard wrote,
``CouponReleased`` once in the catalog outbox, and the customer told once by the ``notifications`` purpose."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo.asynchronous.database import AsyncDatabase
from support.api_actors import ApiRestaurant, ApiUser
from support.events import envelope_of, outbox_row_envelope
from support.shards import outbox_rows

from api.db import Databases
from api.domain.coupons import CouponService
from api.domain.notifications import build_notification_service
from api.domain.notifications.settings import NotifySettings
from pizza.config import PlatformSettings
from pizza.contracts.events import EventEnvelope, PaymentRefunded
from workers.saga.purposes import coupons_handler, notifications_handler

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def catalog_releases(databases: Databases, code: str) -> list[EventEnvelope]:
    async with databases.catalog.connection() as conn:
        cur = await conn.execute(
            "SELECT * FROM outbox WHERE aggregate_type = 'coupon' AND aggregate_id = %s ORDER BY created_at", (code,)
        )
        return [outbox_row_envelope(r) for r in await cur.fetchall()]  # type: ignore[arg-type]


def uses(http: httpx.Client, admin: ApiUser, code: str) -> int:
    count: int = http.get(f"/coupons/{code}", headers=admin.headers).json()["uses"]
    return count


@pytest.fixture
def restaurant(make_restaurant: Callable[..., ApiRestaurant]) -> ApiRestaurant:
    return make_restaurant()


@pytest.fixture
def one_use_coupon(http: httpx.Client, admin: ApiUser) -> str:
    body = {"code": f"BACK{uuid.uuid4().hex[:8]}", "kind": "percentage", "value": 10, "max_uses": 1}
    response = http.post("/coupons", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    code: str = response.json()["code"]
    return code


async def test_a_cancelled_order_gives_its_one_use_coupon_back_once_and_the_customer_is_told_once(
    stack: PlatformSettings,
    databases: Databases,
    mongo: AsyncDatabase[dict[str, Any]],
    http: httpx.Client,
    admin: ApiUser,
    customer: ApiUser,
    restaurant: ApiRestaurant,
    one_use_coupon: str,
    place_order: Callable[..., dict[str, Any]],
    tmp_path: Path,
) -> None:
    code = one_use_coupon
    order = place_order(customer, restaurant.restaurant_id, coupon_code=code)
    assert uses(http, admin, code) == 1
    cancelled = http.post(f"/orders/{order['order_id']}/cancel", headers=customer.headers)
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "CANCELLED"), cancelled.text

    consumer = f"coupons-{uuid.uuid4().hex[:8]}"  # a message log of its own: the stack is shared
    give_back = coupons_handler(databases, CouponService(databases), consumer)
    events = [outbox_row_envelope(r) for r in outbox_rows(stack, customer.user_id, order["order_id"])]
    outcomes = [await give_back(e, e.parse()) for e in events]
    assert [(e.event_type, o) for e, o in zip(events, outcomes, strict=True)] == [
        ("OrderCreated", "ignored"),
        ("OrderStatusChanged", "released"),
    ]
    assert uses(http, admin, code) == 0

    assert [await give_back(e, e.parse()) for e in events] == ["ignored", "duplicate"]  # a replay
    fresh = coupons_handler(databases, CouponService(databases), f"{consumer}-fresh")  # even with no message log
    assert await fresh(events[1], events[1].parse()) == "already_released"
    refund = PaymentRefunded(
        order_id=uuid.UUID(order["order_id"]), payment_id=uuid.uuid4(), user_id=customer.user_id,
        amount_cents=order["total_cents"], currency=order["currency"], provider="simulated",
    )  # fmt: skip
    assert await give_back(envelope_of(refund), refund) == "already_released"
    assert uses(http, admin, code) == 0

    released = await catalog_releases(databases, code)
    assert len(released) == 1
    assert released[0].payload | {"released_at": None} == {
        "code": code, "order_id": order["order_id"], "user_id": str(customer.user_id), "reason": "order_cancelled",
        "released_at": None,
    }  # fmt: skip

    place_order(customer, restaurant.restaurant_id, coupon_code=code)  # the coupon works again
    assert uses(http, admin, code) == 1

    notifier = build_notification_service(databases, mongo, tmp_path, settings=NotifySettings(email_provider="log"))
    tell = notifications_handler(databases, notifier, f"notifications-{uuid.uuid4().hex[:8]}")
    assert await tell(released[0], released[0].parse()) == "sent"
    assert await tell(released[0], released[0].parse()) == "duplicate"
    sent = [d async for d in mongo["notification_log"].find({"event_id": str(released[0].event_id)})]
    assert [(d["template"], d["status"], d["order_id"]) for d in sent] == [
        ("CouponReleased", "sent", order["order_id"])
    ]
    assert code in sent[0]["subject"]
