"""Following an order: who may (its customer, its rider, its restaurant's staff, admins), and what they see."""

from __future__ import annotations

import uuid

from api.domain.delivery import repositories as rows
from api.domain.delivery.schemas import Delivery, Tracking
from api.domain.delivery.services._context import DeliveryJob
from api.domain.delivery.tracking import delivery_view, position_view
from api.lib.auth import CurrentUser
from api.lib.errors import NotFoundError

TERMINAL = frozenset({"DELIVERED", "CANCELLED", "REFUNDED"})  # after these, an order's live stream ends


class OrderTracking(DeliveryJob):
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
