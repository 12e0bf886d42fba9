"""Riders, assignment and tracking.

Entry points for order events (``on_order_ready``, ``on_status_changed``, ``on_order_picked_up``,
``on_order_delivered``, ``on_order_cancelled``, or ``handle`` for any of them) are idempotent: the
saga consumer may deliver an event twice, and replaying one changes nothing and publishes nothing new
that the customer has not seen.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from api.db import Databases
from api.domain.delivery import repositories as rows
from api.domain.delivery.geo import eta_minutes, haversine_km, remaining_legs
from api.domain.delivery.live import LastStatus, LiveFeed, order_channel, rider_channel
from api.domain.delivery.riders import RiderBusyError, RiderRegistry
from api.domain.delivery.schemas import (
    AssignedMessage,
    Delivery,
    GoOnline,
    LocationAccepted,
    Position,
    Rider,
    RiderPositionMessage,
    StatusMessage,
    Tracking,
)
from api.domain.delivery.settings import DeliverySettings, get_delivery_settings
from api.domain.delivery.tracking import TrackingStore, delivery_view, point, position_view
from api.lib.auth import CurrentUser
from api.lib.errors import ConflictError, NotFoundError, UnprocessableError
from pizza.contracts.events import DeliveryAssigned, Event, OrderStatusChanged, OutboxEvent
from pizza.ids import new_id
from pizza.logs import get_logger

log = get_logger(__name__)
TERMINAL = frozenset({"DELIVERED", "CANCELLED", "REFUNDED"})


class DeliveryService:
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

    # --- riders ---------------------------------------------------------------------------------
    async def go_online(self, rider_id: uuid.UUID, body: GoOnline) -> Rider:
        city = body.city
        if city is None:
            async with self.db.user_tx(rider_id) as conn:
                city = await rows.user_city(conn, rider_id)
        if not city:
            raise UnprocessableError("no city given and none on the rider's profile")
        try:
            busy = await self.riders.go_online(rider_id, city, body.lat, body.lon)
        except RiderBusyError as exc:
            raise ConflictError("finish the current delivery before changing city") from exc
        log.info("rider online", rider_id=str(rider_id), city=city, busy=bool(busy))
        if busy is None:
            await self.assign_waiting(city)
        return await self.rider(rider_id)

    async def go_offline(self, rider_id: uuid.UUID) -> Rider:
        if not await self.riders.go_offline(rider_id):
            raise ConflictError("finish the current delivery before going offline")
        log.info("rider offline", rider_id=str(rider_id))
        return Rider(rider_id=rider_id, status="offline")

    async def rider(self, rider_id: uuid.UUID) -> Rider:
        pos = await self.riders.position(rider_id)
        if pos is None:
            return Rider(rider_id=rider_id, status="offline")
        doc = await self.tracking.delivery(pos.order_id) if pos.order_id else None
        return Rider(
            rider_id=rider_id,
            status="busy" if pos.order_id else "available",
            city=pos.city,
            position=Position(lat=pos.lat, lon=pos.lon, at=pos.at),
            delivery=delivery_view(doc) if doc else None,
        )

    async def update_location(self, rider_id: uuid.UUID, lat: float, lon: float) -> LocationAccepted:
        """Move the rider in Redis, keep the point in Mongo, tell the customer (if on an order)."""
        pos = await self.riders.move(rider_id, lat, lon)
        if pos is None:
            raise ConflictError("go online before sending locations")
        status, eta = "available", None
        if pos.order_id is not None:
            doc = await self.tracking.delivery(pos.order_id)
            status = doc["status"] if doc else "ASSIGNED"
            eta = self._eta_from(doc, lat, lon) if doc else None
            fields: dict[str, Any] = {"rider_location": point(lat, lon), "rider_location_at": pos.at}
            if eta is not None:
                fields["eta_minutes"] = eta
            await self.tracking.update_delivery(pos.order_id, fields)
            message = RiderPositionMessage(
                order_id=pos.order_id,
                rider_id=rider_id,
                lat=lat,
                lon=lon,
                at=pos.at,
                delivery_status=status,
                eta_minutes=eta,
            )
            await self.feed.wait_published(message, order_channel(pos.order_id))
        await self.tracking.record_position(rider_id, lat, lon, pos.at, pos.order_id, status.lower())
        if pos.order_id is None:  # a free rider who moved may now be within reach of an order that waits
            await self.assign_waiting(pos.city)
        return LocationAccepted(rider_id=rider_id, at=pos.at, order_id=pos.order_id, eta_minutes=eta)

    def _eta_from(self, doc: dict[str, Any], lat: float, lon: float) -> float | None:
        pickup, dropoff = doc.get("pickup"), doc.get("dropoff")
        legs = remaining_legs(
            doc["status"],
            lat,
            lon,
            (pickup["lat"], pickup["lon"]) if pickup else None,
            (dropoff["lat"], dropoff["lon"]) if dropoff else None,
        )
        return eta_minutes(legs, self.settings.rider_speed_kmh, self.settings.handover_minutes) if legs else None

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
        """Publish the new status to the order's live channel, unless a newer one was already shown."""
        message = StatusMessage(
            order_id=event.order_id,
            status=event.to_status,
            from_status=event.from_status,
            changed_at=event.changed_at,
            estimated_ready_at=event.estimated_ready_at,
            reason=event.reason,
        )
        if not await self.last_status.is_newest(event.order_id, event.changed_at):
            return False
        await self.feed.wait_published(message, order_channel(event.order_id))
        return True

    async def on_order_ready(self, event: OrderStatusChanged) -> Delivery | None:
        """Assign the nearest available rider within the radius, or queue the order until one is free."""
        if event.to_status != "READY":
            return None
        async with self.db.user_tx(event.user_id) as conn:
            order = await rows.find_order(conn, event.order_id, event.user_id)
            existing = await rows.find_delivery(conn, event.order_id)
        if order is None:
            raise NotFoundError(f"order {event.order_id} is not on its customer's shard")
        async with self.db.catalog.connection() as conn:
            place = await rows.find_restaurant(conn, order.restaurant_id)
        if place is None:
            raise NotFoundError(f"restaurant {order.restaurant_id} not found")
        if existing is not None:
            return await self._open(existing, place, order, announce=False)
        if order.status != "READY":  # cancelled (or already further) before we got here
            await self.riders.stop_waiting(place.city, order.order_id)
            return None

        settings = self.settings
        claim = await self.riders.claim_nearest(
            place.city,
            order.order_id,
            place.lat,
            place.lon,
            settings.search_radius_km,
            int(settings.assignment_ttl_hours * 3600),
        )
        if claim is None:
            await self.riders.wait(place.city, order.order_id, event.model_dump_json())
            log.info("no rider available, order waits", order_id=str(order.order_id), city=place.city)
            return None

        pickup_km = claim.distance_km
        if pickup_km is None:  # a replayed claim: measure from where the rider is now
            known = claim.lat is not None and claim.lon is not None
            pickup_km = haversine_km(claim.lat, claim.lon, place.lat, place.lon) if known else 0.0  # type: ignore[arg-type]
        dropoff_km = None
        if order.delivery_lat is not None and order.delivery_lon is not None:
            dropoff_km = haversine_km(place.lat, place.lon, order.delivery_lat, order.delivery_lon)
        eta = eta_minutes([pickup_km, dropoff_km or 0.0], settings.rider_speed_kmh, settings.handover_minutes)
        row = {
            "delivery_id": new_id(),
            "order_id": order.order_id,
            "user_id": order.user_id,
            "restaurant_id": order.restaurant_id,
            "rider_id": claim.rider_id,
            "city": place.city,
            "pickup_km": round(pickup_km, 3),
            "dropoff_km": round(dropoff_km, 3) if dropoff_km is not None else None,
            "eta_minutes": eta,
            "assigned_at": datetime.now(UTC),
        }
        async with self.db.user_tx(order.user_id) as conn:
            inserted = await rows.insert_delivery(conn, row)
            if inserted is not None:
                assigned = DeliveryAssigned(
                    order_id=order.order_id,
                    delivery_id=row["delivery_id"],
                    rider_id=claim.rider_id,
                    user_id=order.user_id,
                    eta_minutes=eta,
                    assigned_at=row["assigned_at"],
                )
                await rows.write_outbox(conn, OutboxEvent.of(assigned))
            else:
                inserted = await rows.find_delivery(conn, order.order_id)
        assert inserted is not None
        if inserted["rider_id"] != claim.rider_id:  # another worker assigned this order meanwhile
            await self.riders.release(place.city, claim.rider_id, order.order_id)
        await self.riders.stop_waiting(place.city, order.order_id)
        log.info("rider assigned", order_id=str(order.order_id), rider_id=str(inserted["rider_id"]), eta_minutes=eta)
        return await self._open(inserted, place, order, announce=True)

    async def _open(
        self, row: dict[str, Any], place: rows.RestaurantPlace, order: rows.OrderRef, *, announce: bool
    ) -> Delivery:
        """Make sure the live document exists (repairs a crash after commit) and tell customer and rider."""
        dropoff = None
        if order.delivery_lat is not None and order.delivery_lon is not None:
            dropoff = (order.delivery_lat, order.delivery_lon)
        doc, created = await self.tracking.open_delivery(row, pickup=(place.lat, place.lon), dropoff=dropoff)
        delivery = delivery_view(doc)
        if announce or created:
            message = AssignedMessage(
                order_id=delivery.order_id,
                delivery_id=delivery.delivery_id,
                rider_id=delivery.rider_id,
                eta_minutes=delivery.eta_minutes,
                assigned_at=delivery.assigned_at,
                pickup=delivery.pickup,
                dropoff=delivery.dropoff,
            )
            await self.feed.wait_published(
                message, [order_channel(delivery.order_id), rider_channel(delivery.rider_id)]
            )
        return delivery

    async def on_order_picked_up(self, event: OrderStatusChanged) -> Delivery | None:
        return await self._advance(event, "PICKED_UP")

    async def on_order_delivered(self, event: OrderStatusChanged) -> Delivery | None:
        """Close the delivery and free the rider, who then takes the oldest waiting order nearby."""
        return await self._advance(event, "DELIVERED")

    async def on_order_cancelled(self, event: OrderStatusChanged) -> Delivery | None:
        async with self.db.catalog.connection() as conn:
            place = await rows.find_restaurant(conn, event.restaurant_id)
        if place is not None:
            await self.riders.stop_waiting(place.city, event.order_id)
        return await self._advance(event, "CANCELLED")

    async def _advance(self, event: OrderStatusChanged, status: str) -> Delivery | None:
        async with self.db.user_tx(event.user_id) as conn:
            moved = await rows.set_delivery_status(conn, event.order_id, status, event.changed_at)
            row = moved or await rows.find_delivery(conn, event.order_id)
        if row is None:
            return None  # no rider was ever assigned
        column = {"PICKED_UP": "picked_up_at", "DELIVERED": "delivered_at", "CANCELLED": "cancelled_at"}[status]
        doc = await self.tracking.update_delivery(
            event.order_id, {"status": row["status"], column: row[column], "updated_at": datetime.now(UTC)}
        )
        if status in ("DELIVERED", "CANCELLED"):
            released = await self.riders.release(row["city"], row["rider_id"], event.order_id)
            if released == 1:
                log.info("rider free again", rider_id=str(row["rider_id"]), city=row["city"])
                await self.assign_waiting(row["city"])
        return delivery_view(doc) if doc else None

    async def assign_waiting(self, city: str) -> list[Delivery]:
        """Give waiting orders (oldest first) to riders who just became available."""
        assigned: list[Delivery] = []
        for raw in await self.riders.waiting(city, self.settings.waiting_batch):
            if await self.riders.available_count(city) == 0:
                break
            event = OrderStatusChanged.model_validate_json(raw)
            try:
                delivery = await self.on_order_ready(event)
            except NotFoundError:
                log.warning("waiting order vanished", order_id=str(event.order_id))
                await self.riders.stop_waiting(city, event.order_id)
                continue
            if delivery is not None:
                assigned.append(delivery)
        return assigned

    # --- customers --------------------------------------------------------------------------------
    async def order_access(self, user: CurrentUser, order_id: uuid.UUID) -> rows.OrderRef:
        """The order, if ``user`` may follow it: its customer, its rider, its restaurant's staff, admins."""
        owner: uuid.UUID | None = user.user_id
        if user.role != "customer":
            owner = None  # others find the customer in the catalog's restaurant-side projection
            async with self.db.catalog.connection() as conn:
                listed = await rows.find_restaurant_order(conn, order_id)
            if listed is not None:
                if user.role == "rider":
                    doc = await self.tracking.delivery(order_id)
                    allowed = doc is not None and doc["rider_id"] == str(user.user_id)
                else:
                    allowed = user.is_admin or listed["restaurant_id"] == user.restaurant_id
                owner = listed["user_id"] if allowed else None
        if owner is not None:
            async with self.db.user_tx(owner) as conn:
                ref = await rows.find_order(conn, order_id, owner)
            if ref is not None:
                return ref
        raise NotFoundError(f"order {order_id} not found")

    async def tracking_of(self, ref: rows.OrderRef) -> Tracking:
        doc = await self.tracking.delivery(ref.order_id)
        path = await self.tracking.path(ref.order_id, self.settings.path_points) if doc else []
        return Tracking(
            order_id=ref.order_id,
            status=ref.status,
            estimated_ready_at=ref.estimated_ready_at,
            delivery=delivery_view(doc) if doc else None,
            path=[position_view(p) for p in path],
        )

    async def delivery_for_order(self, order_id: uuid.UUID) -> Delivery | None:
        """The order's delivery, for other domains (e.g. to check that a rider is the assigned one)."""
        doc = await self.tracking.delivery(order_id)
        return delivery_view(doc) if doc else None
