"""``DeliveryService``: the one object the endpoints and the saga's consumers hold, over the jobs of delivery."""

from __future__ import annotations

import uuid
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from api.db import Databases
from api.domain.delivery import repositories as rows
from api.domain.delivery.live import LastStatus, LiveFeed
from api.domain.delivery.riders import RiderRegistry
from api.domain.delivery.schemas import Delivery, GoOnline, LocationAccepted, Rider, Tracking
from api.domain.delivery.services._assignment import Assignment
from api.domain.delivery.services._context import DeliveryContext
from api.domain.delivery.services._order_tracking import OrderTracking
from api.domain.delivery.services._rider_shifts import RiderShifts
from api.domain.delivery.services._status_moves import StatusMoves
from api.domain.delivery.settings import DeliverySettings, get_delivery_settings
from api.domain.delivery.tracking import TrackingStore
from api.lib.auth import CurrentUser
from pizza.contracts.events import Event, OrderStatusChanged


class DeliveryService:
    """Wires each job to the same stores, live feed and settings; every method is one job's entry point."""

    def __init__(
        self,
        db: Databases,
        redis: Redis,
        mongo: AsyncDatabase[dict[str, Any]],
        feed: LiveFeed,
        settings: DeliverySettings | None = None,
    ) -> None:
        self.db = db
        self.feed = feed
        self.settings = settings or get_delivery_settings()
        self.riders = RiderRegistry(redis)
        self.tracking = TrackingStore(mongo)
        self.last_status = LastStatus(redis)
        context = DeliveryContext(db, self.riders, self.tracking, self.last_status, feed, self.settings)
        self.assignment = Assignment(context)
        self.status_moves = StatusMoves(context, self.assignment)
        self.shifts = RiderShifts(context, self.assignment)
        self.order_tracking = OrderTracking(context)

    # --- riders ---------------------------------------------------------------------------------
    async def go_online(self, rider_id: uuid.UUID, body: GoOnline) -> Rider:
        return await self.shifts.go_online(rider_id, body)

    async def go_offline(self, rider_id: uuid.UUID) -> Rider:
        return await self.shifts.go_offline(rider_id)

    async def rider(self, rider_id: uuid.UUID) -> Rider:
        return await self.shifts.rider(rider_id)

    async def update_location(self, rider_id: uuid.UUID, lat: float, lon: float) -> LocationAccepted:
        return await self.shifts.update_location(rider_id, lat, lon)

    # --- order events ---------------------------------------------------------------------------
    async def handle(self, event: Event) -> None:
        """Route one order event to the entry points below (what the saga consumer calls)."""
        if not isinstance(event, OrderStatusChanged):
            return
        await self.on_status_changed(event)
        handlers = {
            "READY": self.on_order_ready,
            "PICKED_UP": self.on_order_picked_up,
            "DELIVERED": self.on_order_delivered,
            "CANCELLED": self.on_order_cancelled,
            "REFUNDED": self.on_order_cancelled,
        }
        handler = handlers.get(event.to_status)
        if handler is not None:
            await handler(event)

    async def on_status_changed(self, event: OrderStatusChanged) -> bool:
        return await self.status_moves.on_status_changed(event)

    async def on_order_ready(self, event: OrderStatusChanged) -> Delivery | None:
        return await self.assignment.on_order_ready(event)

    async def on_order_picked_up(self, event: OrderStatusChanged) -> Delivery | None:
        return await self.status_moves.on_order_picked_up(event)

    async def on_order_delivered(self, event: OrderStatusChanged) -> Delivery | None:
        return await self.status_moves.on_order_delivered(event)

    async def on_order_cancelled(self, event: OrderStatusChanged) -> Delivery | None:
        return await self.status_moves.on_order_cancelled(event)

    async def assign_waiting(self, city: str) -> list[Delivery]:
        return await self.assignment.assign_waiting(city)

    # --- customers --------------------------------------------------------------------------------
    async def order_access(self, user: CurrentUser, order_id: uuid.UUID) -> rows.OrderRef:
        return await self.order_tracking.order_access(user, order_id)

    async def tracking_of(self, ref: rows.OrderRef) -> Tracking:
        return await self.order_tracking.tracking_of(ref)

    async def delivery_for_order(self, order_id: uuid.UUID) -> Delivery | None:
        return await self.order_tracking.delivery_for_order(order_id)
