"""Historical order import: back-dated orders land in the right monthly partition, emit no events,
and re-importing the same external id changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest

from pizza.config import PlatformSettings
from pizza.db.shards import ShardMap

pytestmark = pytest.mark.integration


def import_body(user_id: uuid.UUID, restaurant_id: uuid.UUID, placed_at: datetime, **extra: Any) -> dict[str, Any]:
    steps = [("PAID", 1), ("ACCEPTED", 3), ("PREPARING", 5), ("READY", 20), ("PICKED_UP", 25), ("DELIVERED", 45)]
    return {
        "external_id": f"legacy-{uuid.uuid4().hex[:10]}",
        "user_id": str(user_id),
        "cart": {
            "restaurant_id": str(restaurant_id),
            "items": [{"menu_item_id": "margherita", "size": "large", "quantity": 2}],
            "address": {"line1": "Karl-Marx-Allee 1", "city": "Berlin", "lat": 52.52, "lon": 13.42},
        },
        "placed_at": placed_at.isoformat(),
        "timeline": [{"status": s, "at": (placed_at + timedelta(minutes=m)).isoformat()} for s, m in steps],
        "payment": "succeeded",
        **extra,
    }


def shard_of(stack: PlatformSettings, user_id: uuid.UUID) -> str:
    with psycopg.connect(stack.catalog) as conn:
        return stack.shards[ShardMap.load(conn).shard_for_user(user_id)]


def test_a_back_dated_order_lands_in_its_month_with_history_and_payment_and_no_events(
    http: httpx.Client, admin: Any, customer: Any, make_restaurant: Callable[..., Any], stack: PlatformSettings
) -> None:
    restaurant = make_restaurant()
    placed_at = (datetime.now(UTC) - timedelta(days=95)).replace(microsecond=0)
    body = import_body(customer.user_id, restaurant.restaurant_id, placed_at)
    response = http.post("/admin/orders/import", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    imported = response.json()
    assert imported["status"] == "DELIVERED"
    assert imported["created"] is True
    order_id = imported["order_id"]

    with psycopg.connect(shard_of(stack, customer.user_id)) as conn:
        partition, created_at, subtotal = conn.execute(
            "SELECT tableoid::regclass::text, created_at, subtotal_cents FROM orders WHERE order_id = %s", (order_id,)
        ).fetchone()  # type: ignore[misc]
        assert partition == f"orders_p{placed_at:%Y_%m}"
        assert created_at == placed_at
        assert subtotal == 2 * 1200  # two large margheritas at today's menu price
        history = conn.execute(
            "SELECT to_status, changed_at FROM order_status_history WHERE order_id = %s ORDER BY seq", (order_id,)
        ).fetchall()
        assert [h[0] for h in history] == [
            "PENDING",
            "PAID",
            "ACCEPTED",
            "PREPARING",
            "READY",
            "PICKED_UP",
            "DELIVERED",
        ]
        assert history[-1][1] == placed_at + timedelta(minutes=45)
        assert conn.execute("SELECT status FROM payments WHERE order_id = %s", (order_id,)).fetchone() == ("SUCCEEDED",)
        events = conn.execute("SELECT count(*) FROM outbox WHERE aggregate_id = %s", (order_id,)).fetchone()
        assert events == (0,)

    # the customer sees it in their history, and can review it (it was delivered)
    mine = http.get(f"/orders/{order_id}", headers=customer.headers)
    assert mine.status_code == 200
    assert mine.json()["status"] == "DELIVERED"


def test_reimporting_the_same_external_id_is_a_no_op(
    http: httpx.Client, admin: Any, customer: Any, make_restaurant: Callable[..., Any]
) -> None:
    restaurant = make_restaurant()
    body = import_body(customer.user_id, restaurant.restaurant_id, datetime.now(UTC) - timedelta(days=3))
    first = http.post("/admin/orders/import", json=body, headers=admin.headers).json()
    again = http.post("/admin/orders/import", json=body, headers=admin.headers)
    assert again.status_code == 201
    assert again.json()["order_id"] == first["order_id"]
    assert again.json()["created"] is False
    history = http.get("/orders", headers=customer.headers).json()["items"]
    assert [o["order_id"] for o in history].count(first["order_id"]) == 1


THREE_DAYS_AGO = (datetime.now(UTC) - timedelta(days=3)).replace(microsecond=0)


@pytest.mark.parametrize(
    ("placed_at", "timeline", "problem"),
    [
        (THREE_DAYS_AGO, [("DELIVERED", 5)], "cannot become DELIVERED"),  # skips the whole lifecycle
        (THREE_DAYS_AGO, [("PAID", 5), ("ACCEPTED", 2)], "must come after the previous one"),
        (THREE_DAYS_AGO - timedelta(days=400), [], "last 330 days"),
        (THREE_DAYS_AGO + timedelta(days=30), [], "last 330 days"),
    ],
)
def test_an_impossible_history_is_refused(
    http: httpx.Client,
    admin: Any,
    customer: Any,
    make_restaurant: Callable[..., Any],
    placed_at: datetime,
    timeline: list[tuple[str, int]],
    problem: str,
) -> None:
    restaurant = make_restaurant()
    body = import_body(customer.user_id, restaurant.restaurant_id, placed_at)
    body["timeline"] = [{"status": s, "at": (placed_at + timedelta(minutes=m)).isoformat()} for s, m in timeline]
    response = http.post("/admin/orders/import", json=body, headers=admin.headers)
    assert response.status_code == 422
    assert problem in response.json()["detail"]


def test_only_admins_import(http: httpx.Client, customer: Any, make_restaurant: Callable[..., Any]) -> None:
    restaurant = make_restaurant()
    body = import_body(customer.user_id, restaurant.restaurant_id, datetime.now(UTC) - timedelta(days=2))
    assert http.post("/admin/orders/import", json=body, headers=customer.headers).status_code == 403
