"""Live tracking over WebSockets: in process (Litestar's test client) and over real sockets against
Granian with two workers, where every live message must cross processes through Redis pub/sub."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
import websockets
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import TestClient

from api.app import create_app
from api.domain.delivery import DeliveryService, LiveChannels
from api.settings import get_api_settings
from pizza.contracts.events import OrderStatusChanged

pytestmark = pytest.mark.integration


def go_online(http: httpx.Client, rider: Any, where: tuple[float, float], city: str) -> None:
    body = {"lat": where[0], "lon": where[1], "city": city}
    assert http.post("/riders/me/online", json=body, headers=rider.headers).status_code == 200


def test_a_customer_socket_sees_status_changes_assignment_and_rider_positions(
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
    rider = make_user("rider")
    go_online(http, rider, spots.near, city)
    order = walk_order(place_order(customer, restaurant.restaurant_id), "ACCEPTED", staff=restaurant.staff)
    order_id = order["order_id"]

    app = create_app()
    with TestClient(app=app, timeout=10) as client:
        live_channels = app.plugins.get(LiveChannels)
        service = DeliveryService(app.state.db, app.state.redis, app.state.mongo, live_channels)

        def handle(current: dict[str, Any]) -> None:
            client.blocking_portal.call(service.handle, status_event(customer, current))

        with client.websocket_connect(f"/orders/{order_id}/live", headers=customer.headers) as ws:
            snapshot = ws.receive_json(timeout=10)
            assert snapshot["type"] == "snapshot"
            assert snapshot["tracking"]["status"] == "ACCEPTED"
            assert snapshot["tracking"]["estimated_ready_at"] is not None
            assert snapshot["tracking"]["delivery"] is None

            order = walk_order(order, "PREPARING", staff=restaurant.staff)
            handle(order)
            preparing = ws.receive_json(timeout=10)
            assert (preparing["type"], preparing["status"], preparing["from_status"]) == (
                "status",
                "PREPARING",
                "ACCEPTED",
            )
            promised = datetime.fromisoformat(preparing["estimated_ready_at"])
            assert promised == datetime.fromisoformat(order["estimated_ready_at"])

            order = walk_order(order, "READY", staff=restaurant.staff)
            handle(order)
            assert ws.receive_json(timeout=10)["status"] == "READY"
            assigned = ws.receive_json(timeout=10)
            assert assigned["type"] == "delivery_assigned"
            assert assigned["rider_id"] == str(rider.user_id)

            moved = client.post("/riders/me/location", json={"lat": 52.5240, "lon": 13.4150}, headers=rider.headers)
            assert moved.status_code == 200, moved.text
            position = ws.receive_json(timeout=10)
            assert position["type"] == "rider_position"
            assert (position["lat"], position["lon"]) == (52.524, 13.415)
            assert position["delivery_status"] == "ASSIGNED"
            assert position["eta_minutes"] < assigned["eta_minutes"]  # closer to the restaurant than at assignment

            tracking = client.get(f"/orders/{order_id}/tracking", headers=customer.headers).json()
            assert tracking["delivery"]["rider_position"]["lat"] == 52.524
            assert [(p["lat"], p["lon"]) for p in tracking["path"]] == [(52.524, 13.415)]

            for status in ("PICKED_UP", "DELIVERED"):
                order = walk_order(order, status, staff=restaurant.staff, rider=rider)
                handle(order)
                assert ws.receive_json(timeout=10)["status"] == status
            with pytest.raises(WebSocketDisconnect):  # the stream ends with the order
                ws.receive_json(timeout=10)


def test_only_people_involved_may_follow_an_order(
    http: httpx.Client,
    admin: Any,
    make_user: Callable[..., Any],
    make_restaurant: Callable[..., Any],
    place_order: Callable[..., dict[str, Any]],
    customer: Any,
) -> None:
    restaurant, other_restaurant = make_restaurant(), make_restaurant()
    order = place_order(customer, restaurant.restaurant_id)
    url = f"/orders/{order['order_id']}/tracking"
    stranger = make_user()
    assert http.get(url, headers=stranger.headers).status_code == 404
    assert http.get(url, headers=other_restaurant.staff.headers).status_code == 404
    assert http.get(url, headers=make_user("rider").headers).status_code == 404  # not the assigned rider
    assert http.get(f"/orders/{uuid.uuid4()}/tracking", headers=customer.headers).status_code == 404
    for follower in (customer, restaurant.staff, admin):  # the kitchen follows its orders from the start
        tracking = http.get(url, headers=follower.headers)
        assert tracking.status_code == 200, follower.role
        assert tracking.json()["status"] == "PENDING"

    with TestClient(app=create_app(), timeout=10) as client:
        with (
            pytest.raises(WebSocketDisconnect) as closed,
            client.websocket_connect(f"/orders/{order['order_id']}/live", headers=stranger.headers) as ws,
        ):
            ws.receive_json(timeout=10)
        assert closed.value.code == 4404
        with (
            pytest.raises(WebSocketDisconnect) as closed,
            client.websocket_connect(f"/orders/{order['order_id']}/live"),
        ):
            pass
        assert "No JWT token" in closed.value.detail  # refused by the auth middleware before the handler
        with (
            pytest.raises(WebSocketDisconnect) as closed,
            client.websocket_connect("/riders/me/ws", headers=customer.headers),
        ):
            pass
        assert "rider" in closed.value.detail  # the role guard holds for sockets too


async def _recv(ws: Any) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
    return message


@pytest.mark.anyio
async def test_real_sockets_rider_streams_positions_customer_follows_across_workers(
    ws_api_url: str,
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
    rider = make_user("rider")
    order = walk_order(place_order(customer, restaurant.restaurant_id), "PREPARING", staff=restaurant.staff)
    base = ws_api_url.replace("http://", "ws://")

    async with (
        websockets.connect(f"{base}/riders/me/ws", additional_headers=rider.headers) as rider_ws,
        websockets.connect(f"{base}/orders/{order['order_id']}/live", additional_headers=customer.headers) as live,
    ):
        assert (await _recv(live))["tracking"]["status"] == "PREPARING"

        await rider_ws.send(json.dumps({"lat": spots.near[0], "lon": spots.near[1]}))
        assert (await _recv(rider_ws))["type"] == "error"  # not online yet
        go_online(http, rider, spots.near, city)
        await rider_ws.send("not json")
        assert (await _recv(rider_ws))["type"] == "error"
        await rider_ws.send(json.dumps({"lat": spots.near[0], "lon": spots.near[1]}))
        ack = await _recv(rider_ws)
        assert ack["type"] == "location_accepted"
        assert ack["order_id"] is None

        order = walk_order(order, "READY", staff=restaurant.staff)
        await delivery_service.handle(status_event(customer, order))  # published from this process
        assert (await _recv(live))["status"] == "READY"
        pushed = await _recv(rider_ws)  # the rider learns of the assignment on their own socket
        assert pushed["type"] == "delivery_assigned"
        assert pushed["order_id"] == order["order_id"]
        assert (await _recv(live))["type"] == "delivery_assigned"

        for lat, lon in [(52.5250, 13.4160), (52.5230, 13.4140)]:
            await rider_ws.send(json.dumps({"lat": lat, "lon": lon}))
            ack = await _recv(rider_ws)
            assert ack["order_id"] == order["order_id"]
            seen = await _recv(live)
            assert (seen["type"], seen["lat"], seen["lon"]) == ("rider_position", lat, lon)
            assert seen["eta_minutes"] == ack["eta_minutes"]

        for status in ("PICKED_UP", "DELIVERED"):
            order = walk_order(order, status, staff=restaurant.staff, rider=rider)
            await delivery_service.handle(status_event(customer, order))
            assert (await _recv(live))["status"] == status
        with pytest.raises(websockets.ConnectionClosedOK):
            await _recv(live)


def test_a_socket_opened_from_a_foreign_origin_is_refused_and_an_allowed_one_is_served(
    make_restaurant: Callable[..., Any], place_order: Callable[..., dict[str, Any]], customer: Any
) -> None:
    order = place_order(customer, make_restaurant().restaurant_id)
    url = f"/orders/{order['order_id']}/live"
    with TestClient(app=create_app(), timeout=10) as client:
        with (
            pytest.raises(WebSocketDisconnect) as closed,
            client.websocket_connect(url, headers=customer.headers | {"Origin": "https://evil.example"}),
        ):
            pass
        assert closed.value.code == 4403  # cross-site WebSocket hijacking: a page elsewhere cannot listen in
        allowed = client.app.state.settings.cors_origins[0]
        with client.websocket_connect(url, headers=customer.headers | {"Origin": allowed}) as ws:
            assert ws.receive_json(timeout=10)["type"] == "snapshot"


def test_a_riders_location_frames_count_against_the_riders_rate_limit(
    http: httpx.Client, spots: Any, city: str, make_user: Callable[..., Any]
) -> None:
    rider = make_user("rider")
    go_online(http, rider, spots.near, city)
    settings = get_api_settings().model_copy(update={"rate_limit_per_minute_staff": 3})
    with (
        TestClient(app=create_app(settings), timeout=10) as client,
        client.websocket_connect("/riders/me/ws", headers=rider.headers) as ws,
    ):  # the handshake: one of three
        frame = {"lat": spots.near[0], "lon": spots.near[1]}
        for _ in range(2):  # two and three: within
            ws.send_json(frame)
            assert ws.receive_json(timeout=10)["type"] == "location_accepted"
        ws.send_json(frame)  # four: over
        refused = ws.receive_json(timeout=10)
        assert refused == {"type": "error", "detail": "too many location frames; this one was dropped"}
