"""Read-only facts about one order for other domains' event handlers (the order saga).

The saga needs the order's current status — the truth it follows when an event is late or a
deadline passes — and the coupons consumer the coupon the order used (its events do not carry it),
without the full order document ``OrderService.get`` builds for a caller.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import psycopg

from api.domain.orders.partitioning import created_at_of
from api.domain.orders.repositories import OrderRepository
from pizza.contracts.events import OrderStatus


@dataclass(frozen=True, slots=True)
class OrderFacts:
    order_id: uuid.UUID
    user_id: uuid.UUID
    restaurant_id: uuid.UUID
    status: OrderStatus
    coupon_code: str | None = None


async def order_facts(conn: psycopg.AsyncConnection[Any], order_id: uuid.UUID, user_id: uuid.UUID) -> OrderFacts | None:
    """The order on the user's shard (``conn``), or None when that user has no such order."""
    created_at = created_at_of(order_id)
    row = await OrderRepository(conn).get(order_id, created_at) if created_at else None
    if row is None or row["user_id"] != user_id:
        return None
    return OrderFacts(row["order_id"], row["user_id"], row["restaurant_id"], row["status"], row["coupon_code"])
