"""Assignment and the delivery lifecycle, driven by the order events the saga consumer will deliver.

Orders are placed and moved through the real API; the event of each move is read back from the shard
outbox and handed to ``DeliveryService`` exactly as the consumer will, including replays.
"""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pymongo
import pytest
import redis

from api.domain.delivery import DeliveryService
from api.domain.delivery.riders import RiderRegistry
from pizza.config import PlatformSettings
from pizza.contracts.events import DeliveryAssigned, Event, OrderStatusChanged

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


def go_online(http: httpx.Client, rider: Any, where: tuple[float, float], city: str) -> dict[str, Any]:
    body = {"lat": where[0], "lon": where[1], "city": city}
    response = http.post("/riders/me/online", json=body, headers=rider.headers)
    assert response.status_code == 200, response.text
    state: dict[str, Any] = response.json()
    return state


def assignments(events: list[Event]) -> list[DeliveryAssigned]:
    return [e for e in events if isinstance(e, DeliveryAssigned)]


async def test_a_ready_order_gets_the_nearest_available_rider_once(
    delivery_service: DeliveryService,
    http: httpx.Client,
    spots: Any,
    order_events: Callable[..., list[Event]],
    shard_row: Callable[..., dict[str, Any] | None],
    city: str,
    make_user: Callable[..., Any],
    make_restaurant: Callable[..., Any],
    place_order: Callable[..., dict[str, Any]],
    walk_order: Callable[..., dict[str, Any]],
    status_event: Callable[..., OrderStatusChanged],
    customer: Any,
) -> None:
    restaurant = make_restaurant(city=city)
    near, far = make_user("rider"), make_user("rider")
    go_online(http, far, spots.farther, city)
    go_online(http, near, spots.near, city)
    order = walk_order(place_order(customer, restaurant.restaurant_id), "READY", staff=restaurant.staff)
    ready = status_event(customer, order)

    delivery = await delivery_service.on_order_ready(ready)

    assert delivery is not None
    assert delivery.rider_id == near.user_id
    assert delivery.status == "ASSIGNED"
    # ~0.5 km to the restaurant + ~0.5 km to the customer at 18 km/h, plus 2 minutes hand-over
    assert 4.0 < delivery.eta_minutes < 8.0
    [event] = assignments(order_events(customer.user_id, order["order_id"]))
    assert (event.rider_id, event.delivery_id) == (near.user_id, delivery.delivery_id)
    assert event.eta_minutes == delivery.eta_minutes
    row = shard_row(customer.user_id, "SELECT * FROM deliveries WHERE order_id = %s", (order["order_id"],))
    assert row is not None
    assert row["rider_id"] == near.user_id
    assert row["city"] == city

    replay = await delivery_service.on_order_ready(ready)  # the consumer delivers the event again
    assert replay is not None
    assert replay.delivery_id == delivery.delivery_id
    assert len(assignments(order_events(customer.user_id, order["order_id"]))) == 1

    rider_view = http.get("/riders/me", headers=near.headers).json()
    assert rider_view["status"] == "busy"
    assert rider_view["delivery"]["order_id"] == order["order_id"]
    assert http.get("/riders/me", headers=far.headers).json()["status"] == "available"
    assert http.post("/riders/me/offline", headers=near.headers).status_code == 409  # not during a delivery


async def test_an_order_without_a_rider_in_reach_waits_for_the_next_one_online(
    delivery_service: DeliveryService,
    http: httpx.Client,
    spots: Any,
    city: str,
    make_user: Callable[..., Any],
    make_restaurant: Callable[..., Any],
    place_order: Callable[..., dict[str, Any]],
    walk_order: Callable[..., dict[str, Any]],
    status_event: Callable[..., OrderStatusChanged],
    customer: Any,
) -> None:
    restaurant = make_restaurant(city=city)
    distant = make_user("rider")
    go_online(http, distant, spots.out_of_radius, city)
    order = walk_order(place_order(customer, restaurant.restaurant_id), "READY", staff=restaurant.staff)

    assert await delivery_service.on_order_ready(status_event(customer, order)) is None
    order_id = uuid.UUID(order["order_id"])
    assert await delivery_service.delivery_for_order(order_id) is None

    newcomer = make_user("rider")
    go_online(http, newcomer, spots.near, city)  # the API retries waiting orders when a rider becomes free

    delivery = await delivery_service.delivery_for_order(order_id)
    assert delivery is not None
    assert delivery.rider_id == newcomer.user_id
    assert http.get("/riders/me", headers=distant.headers).json()["status"] == "available"


async def test_a_waiting_order_goes_to_a_free_rider_who_rides_into_reach(
    delivery_service: DeliveryService,
    http: httpx.Client,
    spots: Any,
    city: str,
    make_user: Callable[..., Any],
    make_restaurant: Callable[..., Any],
    place_order: Callable[..., dict[str, Any]],
    walk_order: Callable[..., dict[str, Any]],
    status_event: Callable[..., OrderStatusChanged],
    customer: Any,
) -> None:
    """A rider freed far away (after a drop-off across town) gets the order once they ride back."""
    restaurant = make_restaurant(city=city)
    rider = make_user("rider")
    go_online(http, rider, spots.out_of_radius, city)
    order = walk_order(place_order(customer, restaurant.restaurant_id), "READY", staff=restaurant.staff)
    order_id = uuid.UUID(order["order_id"])
    assert await delivery_service.on_order_ready(status_event(customer, order)) is None

    assert await delivery_service.delivery_for_order(order_id) is None  # nobody in reach yet
    where = {"lat": spots.near[0], "lon": spots.near[1]}
    moved = http.post("/riders/me/location", json=where, headers=rider.headers)
    assert moved.status_code == 200, moved.text

    delivery = await delivery_service.delivery_for_order(order_id)
    assert delivery is not None
    assert delivery.rider_id == rider.user_id
    assert http.get("/riders/me", headers=rider.headers).json()["status"] == "busy"


async def test_delivery_closes_the_assignment_and_frees_the_rider(
    delivery_service: DeliveryService,
    http: httpx.Client,
    spots: Any,
    shard_row: Callable[..., dict[str, Any] | None],
    city: str,
    make_user: Callable[..., Any],
    make_restaurant: Callable[..., Any],
    place_order: Callable[..., dict[str, Any]],
    walk_order: Callable[..., dict[str, Any]],
    status_event: Callable[..., OrderStatusChanged],
    customer: Any,
) -> None:
    restaurant = make_restaurant(city=city)
    rider = make_user("rider")
    go_online(http, rider, spots.near, city)
    order = walk_order(place_order(customer, restaurant.restaurant_id), "READY", staff=restaurant.staff)
    await delivery_service.handle(status_event(customer, order))

    order = walk_order(order, "PICKED_UP", staff=restaurant.staff, rider=rider)
    picked = await delivery_service.on_order_picked_up(status_event(customer, order))
    assert picked is not None
    assert picked.status == "PICKED_UP"
    order = walk_order(order, "DELIVERED", staff=restaurant.staff, rider=rider)
    delivered_event = status_event(customer, order)
    delivered = await delivery_service.on_order_delivered(delivered_event)
    assert delivered is not None
    assert delivered.status == "DELIVERED"
    assert delivered.delivered_at is not None
    assert await delivery_service.on_order_delivered(delivered_event) is not None  # a replay changes nothing

    row = shard_row(customer.user_id, "SELECT * FROM deliveries WHERE order_id = %s", (order["order_id"],))
    assert row is not None
    assert row["status"] == "DELIVERED"
    assert row["delivered_at"] is not None
    assert http.get("/riders/me", headers=rider.headers).json()["status"] == "available"
    assert http.post("/riders/me/offline", headers=rider.headers).status_code == 200


async def test_status_changes_are_published_newest_only(
    delivery_service: DeliveryService,
    stack: PlatformSettings,
    order_events: Callable[..., list[Event]],
    make_restaurant: Callable[..., Any],
    place_order: Callable[..., dict[str, Any]],
    walk_order: Callable[..., dict[str, Any]],
    customer: Any,
) -> None:
    restaurant = make_restaurant()
    order = walk_order(place_order(customer, restaurant.restaurant_id), "PREPARING", staff=restaurant.staff)
    changes = [e for e in order_events(customer.user_id, order["order_id"]) if isinstance(e, OrderStatusChanged)]
    accepted, preparing = changes[-2:]
    sub = redis.Redis.from_url(stack.redis).pubsub()
    sub.subscribe(f"order:{order['order_id']}")
    assert sub.get_message(timeout=5)["type"] == "subscribe"  # type: ignore[index]
    try:
        assert await delivery_service.on_status_changed(accepted)
        assert await delivery_service.on_status_changed(preparing)
        assert not await delivery_service.on_status_changed(accepted)  # late replay: the view never goes back
        received = []
        while (message := sub.get_message(timeout=1.0)) is not None:
            received.append(json.loads(message["data"]))
    finally:
        sub.close()
    assert [(m["type"], m["status"]) for m in received] == [("status", "ACCEPTED"), ("status", "PREPARING")]
    assert received[0]["estimated_ready_at"] is not None  # the kitchen's promise travels with the status


async def test_concurrent_assignments_never_give_a_rider_two_orders(
    delivery_service: DeliveryService,
    http: httpx.Client,
    stack: PlatformSettings,
    spots: Any,
    order_events: Callable[..., list[Event]],
    city: str,
    make_user: Callable[..., Any],
    make_restaurant: Callable[..., Any],
    place_order: Callable[..., dict[str, Any]],
    walk_order: Callable[..., dict[str, Any]],
    status_event: Callable[..., OrderStatusChanged],
    customer: Any,
) -> None:
    restaurant = make_restaurant(city=city)
    rng = random.Random(7)
    riders = [make_user("rider") for _ in range(6)]
    for rider in riders:
        lat, lon = spots.near
        go_online(http, rider, (lat + rng.uniform(-0.01, 0.01), lon + rng.uniform(-0.01, 0.01)), city)
    orders = [
        walk_order(place_order(customer, restaurant.restaurant_id), "READY", staff=restaurant.staff) for _ in range(14)
    ]
    events = [status_event(customer, o) for o in orders]

    # every event twice, all at once: 28 concurrent assignments competing for 6 riders
    results = await asyncio.gather(*[delivery_service.on_order_ready(e) for e in events + events])

    by_order = {d.order_id: d.rider_id for d in results if d is not None}
    assert len(by_order) == 6
    assert len(set(by_order.values())) == 6  # no rider has two orders
    assert {r.user_id for r in riders} == set(by_order.values())
    assigned_events = [e for o in orders for e in assignments(order_events(customer.user_id, o["order_id"]))]
    events_per_order = Counter(e.order_id for e in assigned_events)
    assert sorted(events_per_order.values()) == [1] * 6  # one DeliveryAssigned per assigned order
    registry = RiderRegistry(delivery_service.riders.redis)
    assert await registry.available_count(city) == 0
    assert len(await registry.waiting(city, 100)) == 8

    # two deliveries end at once: their riders take the two oldest waiting orders, still one each
    done = [o for o in orders if uuid.UUID(o["order_id"]) in by_order][:2]
    for o in done:
        rider = next(r for r in riders if r.user_id == by_order[uuid.UUID(o["order_id"])])
        walk_order(o, "DELIVERED", staff=restaurant.staff, rider=rider)
    await asyncio.gather(*[delivery_service.handle(status_event(customer, {**o, "status": "DELIVERED"})) for o in done])

    with pymongo.MongoClient(stack.mongo) as client:
        active = list(
            client[stack.mongo_database]["deliveries"].find(
                {"city": city, "status": {"$in": ["ASSIGNED", "PICKED_UP"]}}, {"rider_id": 1, "order_id": 1}
            )
        )
    assert len(active) == 6
    assert len({d["rider_id"] for d in active}) == 6
    assert len(await registry.waiting(city, 100)) == 6
