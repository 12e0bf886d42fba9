"""The order state machine over HTTP: the staff and rider journey, illegal moves, cancellation, events."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row
from support.api_actors import ApiRestaurant, ApiUser

from pizza.config import PlatformSettings
from pizza.db.shards import ShardMap

pytestmark = pytest.mark.integration
Action = Callable[..., dict[str, Any]]


@pytest.fixture(scope="module")
def restaurant(make_restaurant: Callable[..., ApiRestaurant]) -> ApiRestaurant:
    return make_restaurant()


@pytest.fixture(scope="module")
def rider(make_user: Callable[..., ApiUser]) -> ApiUser:
    return make_user("rider")


def shard_rows(stack: PlatformSettings, user_id: uuid.UUID, sql: str, *params: Any) -> list[dict[str, Any]]:
    with psycopg.connect(stack.catalog) as conn:
        shard = ShardMap.load(conn).shard_for_user(user_id)
    with psycopg.connect(stack.shards[shard], row_factory=dict_row) as conn:
        return conn.execute(sql, params).fetchall()


def assign_rider(stack: PlatformSettings, customer: ApiUser, order_id: str, rider: ApiUser) -> None:
    """Record the rider as the order's delivery, as the delivery domain's assignment writes it."""
    with psycopg.connect(stack.catalog) as conn:
        shard = ShardMap.load(conn).shard_for_user(customer.user_id)
    with psycopg.connect(stack.shards[shard]) as conn:
        conn.execute(
            """INSERT INTO deliveries (delivery_id, order_id, user_id, restaurant_id, rider_id, city, pickup_km,
                                       eta_minutes)
               SELECT gen_random_uuid(), order_id, user_id, restaurant_id, %s, 'berlin', 1.0, 10.0
                 FROM orders WHERE order_id = %s""",
            (rider.user_id, order_id),
        )


def test_the_full_journey_from_pending_to_delivered(
    stack: PlatformSettings,
    http: httpx.Client,
    admin: ApiUser,
    customer: ApiUser,
    rider: ApiUser,
    restaurant: ApiRestaurant,
    place_order: Action,
    move_order: Action,
) -> None:
    staff = restaurant.staff
    order_id = place_order(customer, restaurant.restaurant_id)["order_id"]

    queue = http.get(f"/restaurants/{restaurant.restaurant_id}/orders", headers=staff.headers).json()
    assert [o["order_id"] for o in queue["items"]][:1] == [order_id]

    move_order(admin, order_id, "PAID", reason="payment captured")
    accepted = move_order(staff, order_id, "ACCEPTED", estimated_ready_minutes=25)
    promised = datetime.fromisoformat(accepted["estimated_ready_at"])
    changed = datetime.fromisoformat(accepted["history"][-1]["changed_at"])
    assert promised - changed == timedelta(minutes=25)
    move_order(staff, order_id, "PREPARING")
    move_order(staff, order_id, "READY")
    assign_rider(stack, customer, order_id, rider)
    assert http.get(f"/orders/{order_id}", headers=rider.headers).status_code == 200  # ready: its rider may look
    move_order(rider, order_id, "PICKED_UP")
    delivered = move_order(rider, order_id, "DELIVERED")

    steps = ["PENDING", "PAID", "ACCEPTED", "PREPARING", "READY", "PICKED_UP", "DELIVERED"]
    assert [h["to_status"] for h in delivered["history"]] == steps
    assert [h["seq"] for h in delivered["history"]] == list(range(1, 8))
    assert delivered["history"][3]["changed_by"] == f"restaurant_staff:{staff.user_id}"
    assert http.get(f"/orders/{order_id}", headers=customer.headers).json() == delivered

    events = shard_rows(stack, customer.user_id,
                        "SELECT event_type, payload FROM outbox WHERE aggregate_id = %s ORDER BY created_at, event_id",
                        order_id)  # fmt: skip
    assert [e["event_type"] for e in events] == ["OrderCreated"] + ["OrderStatusChanged"] * 6
    assert [e["payload"]["to_status"] for e in events[1:]] == steps[1:]
    assert events[2]["payload"]["estimated_ready_at"] is not None

    delivered_queue = http.get(
        f"/restaurants/{restaurant.restaurant_id}/orders", params={"status": "DELIVERED"}, headers=staff.headers
    ).json()
    assert order_id in [o["order_id"] for o in delivered_queue["items"]]
    active = http.get(
        f"/restaurants/{restaurant.restaurant_id}/orders",
        params=[("status", "PENDING"), ("status", "PAID"), ("status", "ACCEPTED")],
        headers=staff.headers,
    ).json()
    assert order_id not in [o["order_id"] for o in active["items"]]


@pytest.mark.parametrize(
    ("path", "target", "who"),
    [
        (["PAID"], "PREPARING", "staff"),  # skipping ACCEPTED
        ([], "ACCEPTED", "staff"),  # not paid yet
        (["PAID", "ACCEPTED", "PREPARING", "READY"], "ACCEPTED", "staff"),  # backwards
        (["CANCELLED"], "PAID", "admin"),  # out of a final state
        (["PAID", "ACCEPTED", "PREPARING", "READY", "PICKED_UP", "DELIVERED"], "PICKED_UP", "admin"),
    ],
)
def test_illegal_transitions_are_a_409_problem_and_change_nothing(
    http: httpx.Client,
    admin: ApiUser,
    customer: ApiUser,
    restaurant: ApiRestaurant,
    place_order: Action,
    move_order: Action,
    path: list[str],
    target: str,
    who: str,
) -> None:
    order_id = place_order(customer, restaurant.restaurant_id)["order_id"]
    for status in path:
        move_order(admin, order_id, status)
    actor = restaurant.staff if who == "staff" else admin
    response = http.post(f"/orders/{order_id}/status", json={"status": target}, headers=actor.headers)
    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["type"].endswith("/conflict")
    assert problem["current_status"] == (path[-1] if path else "PENDING")
    after = http.get(f"/orders/{order_id}", headers=customer.headers).json()
    assert len(after["history"]) == len(path) + 1


def test_legal_moves_by_the_wrong_role_are_forbidden(
    stack: PlatformSettings,
    http: httpx.Client,
    admin: ApiUser,
    customer: ApiUser,
    rider: ApiUser,
    restaurant: ApiRestaurant,
    place_order: Action,
    move_order: Action,
) -> None:
    staff = restaurant.staff
    order_id = place_order(customer, restaurant.restaurant_id)["order_id"]

    def attempt(user: ApiUser, status: str) -> int:
        return http.post(f"/orders/{order_id}/status", json={"status": status}, headers=user.headers).status_code

    assert attempt(staff, "PAID") == 403  # payment is the payment flow's (or an admin's) business
    assert attempt(customer, "CANCELLED") == 403  # customers use /cancel
    move_order(admin, order_id, "PAID")
    assert attempt(rider, "ACCEPTED") == 404  # riders do not even see orders before they are ready
    move_order(staff, order_id, "ACCEPTED")
    move_order(staff, order_id, "PREPARING")
    move_order(staff, order_id, "READY")
    assert attempt(staff, "PICKED_UP") == 403  # the rider picks up
    assign_rider(stack, customer, order_id, rider)
    assert attempt(rider, "PICKED_UP") == 200


def test_a_rider_reads_and_moves_only_the_orders_assigned_to_them(
    stack: PlatformSettings,
    http: httpx.Client,
    admin: ApiUser,
    customer: ApiUser,
    rider: ApiUser,
    make_user: Callable[..., ApiUser],
    restaurant: ApiRestaurant,
    place_order: Action,
    move_order: Action,
) -> None:
    other_rider = make_user("rider")
    order_id = place_order(customer, restaurant.restaurant_id)["order_id"]
    for status in ("PAID", "ACCEPTED", "PREPARING", "READY"):
        move_order(admin, order_id, status)

    def read(user: ApiUser) -> int:
        return http.get(f"/orders/{order_id}", headers=user.headers).status_code

    def move(user: ApiUser, status: str) -> httpx.Response:
        return http.post(f"/orders/{order_id}/status", json={"status": status}, headers=user.headers)

    assert read(rider) == 404  # READY but nobody's yet: no rider sees the customer's address
    assert move(rider, "PICKED_UP").status_code == 404
    assign_rider(stack, customer, order_id, rider)
    assert read(other_rider) == 404
    refused = move(other_rider, "PICKED_UP")
    assert refused.status_code == 404
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert read(rider) == 200
    assert move(rider, "PICKED_UP").status_code == 200
    assert move(other_rider, "DELIVERED").status_code == 404
    assert move(rider, "DELIVERED").status_code == 200


def test_eta_is_only_given_when_accepting_or_preparing(
    http: httpx.Client, admin: ApiUser, customer: ApiUser, restaurant: ApiRestaurant, place_order: Action
) -> None:
    order_id = place_order(customer, restaurant.restaurant_id)["order_id"]
    body = {"status": "PAID", "estimated_ready_minutes": 10}
    response = http.post(f"/orders/{order_id}/status", json=body, headers=admin.headers)
    assert response.status_code == 422


def test_cancelling_before_payment_cancels_after_payment_refunds_and_after_acceptance_is_refused(
    http: httpx.Client,
    admin: ApiUser,
    customer: ApiUser,
    restaurant: ApiRestaurant,
    place_order: Action,
    move_order: Action,
) -> None:
    unpaid = place_order(customer, restaurant.restaurant_id)["order_id"]
    cancelled = http.post(f"/orders/{unpaid}/cancel", json={"reason": "changed my mind"}, headers=customer.headers)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "CANCELLED"
    assert cancelled.json()["history"][-1]["reason"] == "changed my mind"

    paid = place_order(customer, restaurant.restaurant_id)["order_id"]
    move_order(admin, paid, "PAID")
    refunded = http.post(f"/orders/{paid}/cancel", headers=customer.headers)
    assert refunded.status_code == 200
    assert refunded.json()["status"] == "REFUNDED"

    accepted = place_order(customer, restaurant.restaurant_id)["order_id"]
    move_order(admin, accepted, "PAID")
    move_order(restaurant.staff, accepted, "ACCEPTED")
    late = http.post(f"/orders/{accepted}/cancel", headers=customer.headers)
    assert late.status_code == 409
    assert late.json()["title"] == "Too late to cancel"

    again = http.post(f"/orders/{unpaid}/cancel", headers=customer.headers)
    assert again.status_code == 409


def test_the_restaurant_queue_pages_newest_first_and_filters_by_status(
    http: httpx.Client,
    admin: ApiUser,
    customer: ApiUser,
    make_restaurant: Callable[..., ApiRestaurant],
    place_order: Action,
    move_order: Action,
) -> None:
    fresh = make_restaurant()
    placed = [place_order(customer, fresh.restaurant_id)["order_id"] for _ in range(4)]
    move_order(admin, placed[1], "PAID")
    url = f"/restaurants/{fresh.restaurant_id}/orders"

    first = http.get(url, params={"limit": 3}, headers=fresh.staff.headers).json()
    rest = http.get(url, params={"limit": 3, "cursor": first["next_cursor"]}, headers=fresh.staff.headers).json()
    assert [o["order_id"] for o in first["items"] + rest["items"]] == list(reversed(placed))
    assert rest["next_cursor"] is None

    paid = http.get(url, params={"status": "PAID"}, headers=fresh.staff.headers).json()
    assert [(o["order_id"], o["status"]) for o in paid["items"]] == [(placed[1], "PAID")]
    as_admin = http.get(url, headers=admin.headers).json()
    assert len(as_admin["items"]) == 4
