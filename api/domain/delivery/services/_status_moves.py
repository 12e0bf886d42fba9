"""An order's later moves as the delivery sees them: the live status for the customer, then picked up,
delivered or cancelled, each freeing the rider when the delivery ends."""

from __future__ import annotations

from datetime import UTC, datetime

from api.domain.delivery import repositories as rows
from api.domain.delivery.live import order_channel
from api.domain.delivery.schemas import Delivery, StatusMessage
from api.domain.delivery.services._assignment import Assignment
from api.domain.delivery.services._context import DeliveryContext, DeliveryJob
from api.domain.delivery.tracking import delivery_view
from pizza.contracts.events import OrderStatusChanged
from pizza.logs import get_logger

log = get_logger(__name__)


class StatusMoves(DeliveryJob):
    def __init__(self, context: DeliveryContext, assignment: Assignment) -> None:
        super().__init__(context)
        self.assignment = assignment

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
                await self.assignment.assign_waiting(row["city"])
        return delivery_view(doc) if doc else None
