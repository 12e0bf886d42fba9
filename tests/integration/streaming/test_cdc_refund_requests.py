"""A staff refund request reaches Kafka like every shard table: its creation and the admin's decision."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from cdc_drill import read_topics, value_of
from support.api_actors import ApiRestaurant, ApiUser

from pizza.config import PlatformSettings
from streaming.relay.app import CdcRelay

pytestmark = pytest.mark.integration
LARGE = [{"menu_item_id": "margherita", "size": "large", "quantity": 10}]  # above the default per-refund cap


def test_a_held_refund_and_its_approval_are_published_on_cdc_refund_requests(
    stack: PlatformSettings, relay: CdcRelay, http: httpx.Client, admin: ApiUser, customer: ApiUser,
    make_restaurant: Callable[..., ApiRestaurant], place_order: Callable[..., dict[str, Any]],
    move_order: Callable[..., dict[str, Any]],
) -> None:  # fmt: skip
    restaurant = make_restaurant()
    assert restaurant.staff is not None
    order = place_order(customer, restaurant.restaurant_id, items=LARGE)
    move_order(admin, order["order_id"], "PAID")
    body = {"status": "REFUNDED", "reason": "oven broke"}
    held = http.post(f"/orders/{order['order_id']}/status", json=body, headers=restaurant.staff.headers)
    assert held.status_code == 202, held.text
    request_id = held.json()["request_id"]
    approved = http.post(f"/admin/refund-requests/{request_id}/approve", json={}, headers=admin.headers)
    assert approved.status_code == 200, approved.text

    relay.run(until_idle=True)

    changes = read_topics(
        stack.kafka, ["cdc.refund_requests"], lambda m: value_of(m)["pk"] == {"request_id": request_id}, 2
    )
    created, decided = (value_of(m) for m in changes)
    assert (created["op"], created["after"]["status"], created["after"]["request_reason"]) == (
        "c",
        "pending",
        "oven broke",
    )
    assert (decided["op"], decided["after"]["status"]) == ("u", "approved")
    assert decided["after"]["decided_by"] == str(admin.user_id)
    assert decided["source"]["table"] == "refund_requests"
