"""A rider's shift: going online in a city, the live position while free or on an order, going offline."""

from __future__ import annotations

import uuid
from typing import Any

from api.domain.delivery import repositories as rows
from api.domain.delivery.geo import eta_minutes, remaining_legs
from api.domain.delivery.live import order_channel
from api.domain.delivery.riders import RiderBusyError
from api.domain.delivery.schemas import GoOnline, LocationAccepted, Position, Rider, RiderPositionMessage
from api.domain.delivery.services._assignment import Assignment
from api.domain.delivery.services._context import DeliveryContext, DeliveryJob
from api.domain.delivery.tracking import delivery_view, point
from api.lib.errors import ConflictError, UnprocessableError
from pizza.logs import get_logger

log = get_logger(__name__)


class RiderShifts(DeliveryJob):
    def __init__(self, context: DeliveryContext, assignment: Assignment) -> None:
        super().__init__(context)
        self.assignment = assignment

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
            await self.assignment.assign_waiting(city)
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
            await self.assignment.assign_waiting(pos.city)
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
