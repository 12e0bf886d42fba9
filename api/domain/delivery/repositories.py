"""Postgres reads and writes of the delivery domain: the order (on the customer's shard), the
restaurant's location (catalog) and the ``deliveries`` row with its outbox event (customer's shard)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from pizza.contracts.events import OutboxEvent

_DELIVERY_COLUMNS = (
    "delivery_id, order_id, user_id, restaurant_id, rider_id, city, status, pickup_km, dropoff_km, "
    "eta_minutes, assigned_at, picked_up_at, delivered_at, cancelled_at"
)


@dataclass(frozen=True, slots=True)
class OrderRef:
    order_id: uuid.UUID
    user_id: uuid.UUID
    restaurant_id: uuid.UUID
    status: str
    city: str
    delivery_lat: float | None
    delivery_lon: float | None
    estimated_ready_at: datetime | None


@dataclass(frozen=True, slots=True)
class RestaurantPlace:
    restaurant_id: uuid.UUID
    city: str
    lat: float
    lon: float


async def find_order(conn: psycopg.AsyncConnection, order_id: uuid.UUID, user_id: uuid.UUID) -> OrderRef | None:
    """The customer's order. Without the partition key (created_at) the lookup probes each monthly
    partition's primary key once: a handful of index probes, and no dependency on how ids are minted."""
    cur = await conn.execute(
        "SELECT order_id, user_id, restaurant_id, status, city, delivery_lat, delivery_lon, estimated_ready_at"
        " FROM orders WHERE order_id = %s AND user_id = %s",
        (order_id, user_id),
    )
    row: dict[str, Any] | None = await cur.fetchone()  # type: ignore[assignment]
    return OrderRef(**row) if row else None


async def find_restaurant_order(conn: psycopg.AsyncConnection, order_id: uuid.UUID) -> dict[str, Any] | None:
    """Whose order this is, from the orders domain's catalog projection (for staff, riders, admins)."""
    cur = await conn.execute("SELECT user_id, restaurant_id FROM restaurant_orders WHERE order_id = %s", (order_id,))
    return await cur.fetchone()  # type: ignore[return-value]


async def find_restaurant(conn: psycopg.AsyncConnection, restaurant_id: uuid.UUID) -> RestaurantPlace | None:
    cur = await conn.execute(
        "SELECT restaurant_id, city, lat, lon FROM restaurants WHERE restaurant_id = %s", (restaurant_id,)
    )
    row: dict[str, Any] | None = await cur.fetchone()  # type: ignore[assignment]
    return RestaurantPlace(**row) if row else None


async def find_delivery(conn: psycopg.AsyncConnection, order_id: uuid.UUID) -> dict[str, Any] | None:
    cur = await conn.execute(f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE order_id = %s", (order_id,))
    return await cur.fetchone()  # type: ignore[return-value]


async def insert_delivery(conn: psycopg.AsyncConnection, row: dict[str, Any]) -> dict[str, Any] | None:
    """Insert the assignment; None when the order already has one (the unique order_id decides)."""
    cur = await conn.execute(
        "INSERT INTO deliveries (delivery_id, order_id, user_id, restaurant_id, rider_id, city, pickup_km,"
        " dropoff_km, eta_minutes, assigned_at)"
        " VALUES (%(delivery_id)s, %(order_id)s, %(user_id)s, %(restaurant_id)s, %(rider_id)s, %(city)s,"
        " %(pickup_km)s, %(dropoff_km)s, %(eta_minutes)s, %(assigned_at)s)"
        f" ON CONFLICT (order_id) DO NOTHING RETURNING {_DELIVERY_COLUMNS}",
        row,
    )
    return await cur.fetchone()  # type: ignore[return-value]


async def set_delivery_status(
    conn: psycopg.AsyncConnection, order_id: uuid.UUID, status: str, at: datetime
) -> dict[str, Any] | None:
    """Move the delivery forward; a replay or a move backwards changes nothing and returns None."""
    column = {"PICKED_UP": "picked_up_at", "DELIVERED": "delivered_at", "CANCELLED": "cancelled_at"}[status]
    allowed_from = {
        "PICKED_UP": ["ASSIGNED"],
        "DELIVERED": ["ASSIGNED", "PICKED_UP"],
        "CANCELLED": ["ASSIGNED", "PICKED_UP"],
    }
    cur = await conn.execute(
        f"UPDATE deliveries SET status = %s, {column} = %s, updated_at = now()"
        f" WHERE order_id = %s AND status = ANY(%s) RETURNING {_DELIVERY_COLUMNS}",
        (status, at, order_id, allowed_from[status]),
    )
    return await cur.fetchone()  # type: ignore[return-value]


async def write_outbox(conn: psycopg.AsyncConnection, event: OutboxEvent) -> None:
    """The outbox row, in the caller's transaction (the CDC relay publishes it after commit)."""
    await conn.execute(
        "INSERT INTO outbox (event_id, aggregate_type, aggregate_id, event_type, schema_version, payload, headers)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (
            event.event_id,
            event.aggregate_type,
            event.aggregate_id,
            event.event_type,
            event.schema_version,
            Jsonb(event.payload),
            Jsonb(event.headers),
        ),
    )


async def user_city(conn: psycopg.AsyncConnection, user_id: uuid.UUID) -> str | None:
    cur = await conn.execute("SELECT city FROM users WHERE user_id = %s", (user_id,))
    row: dict[str, Any] | None = await cur.fetchone()  # type: ignore[assignment]
    return row["city"] if row else None
