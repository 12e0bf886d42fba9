"""Assigning a rider to a ready order: the nearest available one within the radius, claimed atomically,
or the order waits (oldest first) until a rider is free nearby."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from api.domain.delivery import repositories as rows
from api.domain.delivery.geo import eta_minutes, haversine_km
from api.domain.delivery.live import order_channel, rider_channel
from api.domain.delivery.schemas import AssignedMessage, Delivery
from api.domain.delivery.services._context import DeliveryJob
from api.domain.delivery.tracking import delivery_view
from api.lib.errors import NotFoundError
from pizza.contracts.events import DeliveryAssigned, OrderStatusChanged, OutboxEvent
from pizza.ids import new_id
from pizza.logs import get_logger

log = get_logger(__name__)


class Assignment(DeliveryJob):
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
