"""Which rider an order is assigned to, for the orders domain's rider checks.

The shard's ``deliveries`` row is the authoritative assignment (see migration 0050), and it lives on the
order's shard, so the check runs on the connection (and transaction) of the caller's order read or move.
"""

from __future__ import annotations

import uuid

import psycopg

from api.domain.delivery import repositories as rows


async def assigned_rider(conn: psycopg.AsyncConnection, order_id: uuid.UUID) -> uuid.UUID | None:
    """The rider the order is assigned to, or None before assignment or after a cancelled delivery."""
    delivery = await rows.find_delivery(conn, order_id)
    if delivery is None or delivery["status"] == "CANCELLED":
        return None
    rider: uuid.UUID = delivery["rider_id"]
    return rider
