"""Repair of the restaurant projection from the shards, the source of truth.

The projection is written after each shard commit and can miss a write (catalog unreachable,
process killed between the two commits; ``pizza_order_projection_failures_total`` counts the
first kind). ``reproject`` walks every shard's recent orders and upserts their rows; the upsert only
moves a row forward (``status_seq``), so running it while orders flow is safe, and a second run
changes nothing. The time bound keeps the scan on the newest monthly partitions: orders live for
hours, so the last two days cover every order that can still change.

``reproject_order`` repairs one order from its shard; the saga calls it in every step, inside the step's
transaction, so a projection write lost to an unreachable catalog is redone from the order's next event
(the outbox) and, if the catalog is still down, the step fails and its message is handled again later.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import psycopg

from api.db import Databases
from api.domain.orders.pagination import Position
from api.domain.orders.partitioning import created_at_of
from api.domain.orders.repositories import OrderRepository, RestaurantOrders
from pizza.logs import get_logger

log = get_logger(__name__)


async def reproject(db: Databases, created_since: datetime, *, batch: int = 500) -> int:
    """Upsert the projection row of every order created since ``created_since``; returns rows visited."""
    visited = 0
    for shard, pool in sorted(db.shards.items()):
        after: Position | None = None
        while True:
            async with pool.connection() as conn:
                rows = await OrderRepository(conn).projection_rows(created_since, after, batch)
            if not rows:
                break
            async with db.catalog.connection() as conn, conn.pipeline(), conn.transaction():
                projection = RestaurantOrders(conn)
                for row in rows:
                    await projection.upsert(row)
            visited += len(rows)
            after = Position(rows[-1]["created_at"], rows[-1]["order_id"])
            log.info("projection repaired", shard=shard, rows=len(rows), visited=visited)
    return visited


async def reproject_order(db: Databases, shard: psycopg.AsyncConnection[Any], order_id: uuid.UUID) -> bool:
    """Upsert the projection row of one order read on ``shard`` (its customer's); False if it is not there.

    Raises if the catalog cannot be reached, so the caller's transaction fails and is tried again.
    """
    created_at = created_at_of(order_id)
    row = await OrderRepository(shard).projection_row(order_id, created_at) if created_at else None
    if row is None:
        return False
    async with db.catalog.connection() as conn, conn.pipeline(), conn.transaction():
        await RestaurantOrders(conn).upsert(row)
    return True
