"""Rider endpoints (HTTP and a WebSocket) and customer tracking (HTTP and a WebSocket)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import msgspec
from litestar import Controller, Request, WebSocket, get, post, websocket
from litestar.channels import ChannelsPlugin
from litestar.di import Provide
from litestar.exceptions import WebSocketDisconnect, WebSocketException
from litestar.serialization import encode_json

from api.domain.delivery.deps import provide_delivery_service
from api.domain.delivery.live import order_channel, rider_channel
from api.domain.delivery.schemas import (
    ErrorMessage,
    GoOnline,
    LocationAccepted,
    LocationUpdate,
    Rider,
    SnapshotMessage,
    Tracking,
)
from api.domain.delivery.services import TERMINAL, DeliveryService
from api.lib.auth import CurrentUser, require_roles
from api.lib.errors import DomainError
from api.lib.websockets import socket_guard, within_budget


class SocketSender:
    """Serialises frames from the event forwarder and the request loop onto one socket."""

    def __init__(self, socket: WebSocket[Any, Any, Any]) -> None:
        self.socket = socket
        self._lock = asyncio.Lock()
        self.finished = asyncio.Event()

    async def send(self, data: Any) -> None:
        payload = data if isinstance(data, bytes) else encode_json(data)
        async with self._lock:
            if not self.finished.is_set():
                await self.socket.send_text(payload.decode())

    async def forward(self, payload: bytes) -> None:
        """Forward a channel message; never raise (a failing callback would stall the subscriber)."""
        try:
            await self.send(payload)
        except Exception:  # noqa: BLE001 - the client went away; the request loop notices and ends
            self.finished.set()

    async def forward_until_final(self, payload: bytes) -> None:
        """Forward, and finish the stream after the order's final status."""
        await self.forward(payload)
        message = msgspec.json.decode(payload)
        if message.get("type") == "status" and message.get("status") in TERMINAL:
            self.finished.set()

    async def until_client_leaves_or_finished(self) -> None:
        async def client_left() -> None:
            while (await self.socket.receive())["type"] != "websocket.disconnect":
                continue

        waiters = {asyncio.ensure_future(client_left()), asyncio.ensure_future(self.finished.wait())}
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waiters:
                task.cancel()
        if self.finished.is_set() and self.socket.connection_state != "disconnect":
            await self.socket.close()


class RiderController(Controller):
    path = "/riders/me"
    tags = ["delivery"]
    guards = [require_roles("rider")]
    dependencies = {"delivery": Provide(provide_delivery_service, sync_to_thread=False)}

    @get("", operation_id="GetMyRiderState", summary="The rider's status, position and current delivery")
    async def me(self, request: Request[CurrentUser, Any, Any], delivery: DeliveryService) -> Rider:
        return await delivery.rider(request.user.user_id)

    @post("/online", operation_id="GoOnline", status_code=200, summary="Go online at a position (assignable)")
    async def online(self, request: Request[CurrentUser, Any, Any], data: GoOnline, delivery: DeliveryService) -> Rider:
        return await delivery.go_online(request.user.user_id, data)

    @post("/offline", operation_id="GoOffline", status_code=200, summary="Go offline (refused during a delivery)")
    async def offline(self, request: Request[CurrentUser, Any, Any], delivery: DeliveryService) -> Rider:
        return await delivery.go_offline(request.user.user_id)

    @post("/location", operation_id="UpdateMyLocation", status_code=200, summary="Report the rider's live position")
    async def location(
        self, request: Request[CurrentUser, Any, Any], data: LocationUpdate, delivery: DeliveryService
    ) -> LocationAccepted:
        return await delivery.update_location(request.user.user_id, data.lat, data.lon)

    @websocket("/ws", guards=[socket_guard])
    async def stream(
        self, socket: WebSocket[CurrentUser, Any, Any], delivery: DeliveryService, live_channels: ChannelsPlugin
    ) -> None:
        """Send ``{"lat": .., "lon": ..}`` frames; receive an ack per frame and assignments as they happen."""
        rider_id = socket.user.user_id
        await socket.accept()
        sender = SocketSender(socket)
        async with (
            live_channels.start_subscription(rider_channel(rider_id)) as subscriber,
            subscriber.run_in_background(sender.forward, join=False),
        ):
            while not sender.finished.is_set():
                try:
                    raw = await socket.receive_text()
                except WebSocketDisconnect:
                    break
                if not await within_budget(socket):
                    await sender.send(ErrorMessage(detail="too many location frames; this one was dropped"))
                    continue
                try:
                    update = msgspec.json.decode(raw, type=LocationUpdate)
                    await sender.send(await delivery.update_location(rider_id, update.lat, update.lon))
                except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                    await sender.send(ErrorMessage(detail=f"invalid location: {exc}"))
                except DomainError as exc:
                    await sender.send(ErrorMessage(detail=exc.detail))


class TrackingController(Controller):
    path = "/orders/{order_id:uuid}"
    tags = ["delivery"]
    dependencies = {"delivery": Provide(provide_delivery_service, sync_to_thread=False)}

    @get("/tracking", operation_id="TrackOrder", summary="Order status, delivery, ETA and the rider's recent path")
    async def tracking(
        self, request: Request[CurrentUser, Any, Any], order_id: uuid.UUID, delivery: DeliveryService
    ) -> Tracking:
        ref = await delivery.order_access(request.user, order_id)
        return await delivery.tracking_of(ref)

    @websocket("/live", guards=[socket_guard])
    async def live(
        self,
        socket: WebSocket[CurrentUser, Any, Any],
        order_id: uuid.UUID,
        delivery: DeliveryService,
        live_channels: ChannelsPlugin,
    ) -> None:
        """A snapshot first, then every status change and rider position until the order is final."""
        try:
            ref = await delivery.order_access(socket.user, order_id)
        except DomainError as exc:  # refuse the handshake with 4000 + the HTTP status (4404)
            raise WebSocketException(detail=exc.detail, code=4000 + exc.status_code) from exc
        await socket.accept()
        sender = SocketSender(socket)
        async with live_channels.start_subscription(order_channel(order_id)) as subscriber:
            snapshot = await delivery.tracking_of(ref)
            await sender.send(SnapshotMessage(tracking=snapshot))
            if snapshot.status in TERMINAL:
                sender.finished.set()
            async with subscriber.run_in_background(sender.forward_until_final, join=False):
                await sender.until_client_leaves_or_finished()
