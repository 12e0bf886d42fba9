"""Tracking history in MongoDB: every rider position (``rider_locations``) and one live document per
delivery (``deliveries``). Nearest-rider search never runs here (that is Redis GEOSEARCH), so nothing
depends on Mongo geo operators; the 2dsphere index serves ad-hoc geo analysis on a real MongoDB.

Ids are stored as strings and times as UTC, so any client reads them without codec options.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, GEOSPHERE, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from api.domain.delivery.schemas import Delivery, Point, Position

LOCATIONS = "rider_locations"
DELIVERIES = "deliveries"
ACTIVE = ("ASSIGNED", "PICKED_UP")


def point(lat: float, lon: float) -> dict[str, Any]:
    """A GeoJSON Point: longitude first."""
    return {"type": "Point", "coordinates": [lon, lat]}


def utc(value: datetime | str) -> datetime:
    """A stored time as an aware UTC datetime. pymongo returns naive UTC datetimes unless the client is
    tz-aware; the local nx-27017 server returns times written by ``$set`` as ISO text."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def ensure_indexes(mongo: AsyncDatabase[dict[str, Any]], *, ttl_hours: float) -> None:
    """Create the tracking indexes (idempotent; run at start-up)."""
    locations = mongo[LOCATIONS]
    await locations.create_index([("location", GEOSPHERE)], name="location_2dsphere")
    await locations.create_index([("rider_id", ASCENDING), ("status", ASCENDING)], name="rider_status")
    await locations.create_index([("order_id", ASCENDING), ("at", DESCENDING)], name="order_at")
    await locations.create_index("at", name="at_ttl", expireAfterSeconds=int(ttl_hours * 3600))
    deliveries = mongo[DELIVERIES]
    await deliveries.create_index("order_id", name="order_unique", unique=True)
    await deliveries.create_index([("rider_id", ASCENDING), ("status", ASCENDING)], name="rider_status")


class TrackingStore:
    def __init__(self, mongo: AsyncDatabase[dict[str, Any]]) -> None:
        self.locations = mongo[LOCATIONS]
        self.deliveries = mongo[DELIVERIES]

    async def record_position(
        self, rider_id: uuid.UUID, lat: float, lon: float, at: datetime, order_id: uuid.UUID | None, status: str
    ) -> None:
        await self.locations.insert_one(
            {
                "rider_id": str(rider_id),
                "order_id": str(order_id) if order_id else None,
                "status": status,
                "location": point(lat, lon),
                "at": at,
            }
        )

    async def path(self, order_id: uuid.UUID, limit: int) -> list[dict[str, Any]]:
        """The most recent positions of the order's rider, oldest first."""
        cursor = self.locations.find({"order_id": str(order_id)}, {"_id": 0}).sort("at", DESCENDING).limit(limit)
        points = [doc async for doc in cursor]
        points.reverse()
        return points

    async def open_delivery(
        self, row: dict[str, Any], *, pickup: tuple[float, float], dropoff: tuple[float, float] | None
    ) -> tuple[dict[str, Any], bool]:
        """The live document of a ``deliveries`` row, created once per order (a replay returns the
        existing one). True if created now."""
        doc = {
            "delivery_id": str(row["delivery_id"]),
            "order_id": str(row["order_id"]),
            "user_id": str(row["user_id"]),
            "restaurant_id": str(row["restaurant_id"]),
            "rider_id": str(row["rider_id"]),
            "city": row["city"],
            "status": row["status"],
            "eta_minutes": row["eta_minutes"],
            "assigned_at": row["assigned_at"],
            "pickup": {"lat": pickup[0], "lon": pickup[1]},
            "dropoff": {"lat": dropoff[0], "lon": dropoff[1]} if dropoff else None,
            "updated_at": datetime.now(UTC),
        }
        try:
            await self.deliveries.insert_one(dict(doc))
        except DuplicateKeyError:  # the unique order_id index: a replay, or a concurrent twin won
            existing = await self.deliveries.find_one({"order_id": doc["order_id"]})
            assert existing is not None
            return existing, False
        return doc, True

    async def delivery(self, order_id: uuid.UUID) -> dict[str, Any] | None:
        return await self.deliveries.find_one({"order_id": str(order_id)})

    async def active_delivery_of(self, rider_id: uuid.UUID) -> dict[str, Any] | None:
        return await self.deliveries.find_one({"rider_id": str(rider_id), "status": {"$in": list(ACTIVE)}})

    async def update_delivery(self, order_id: uuid.UUID, fields: dict[str, Any]) -> dict[str, Any] | None:
        return await self.deliveries.find_one_and_update(
            {"order_id": str(order_id)}, {"$set": fields}, return_document=ReturnDocument.AFTER
        )


def position_view(doc: dict[str, Any]) -> Position:
    lon, lat = doc["location"]["coordinates"]
    return Position(lat=lat, lon=lon, at=utc(doc["at"]))


def delivery_view(doc: dict[str, Any]) -> Delivery:
    """The API shape of a ``deliveries`` document."""
    rider_position = None
    if doc.get("rider_location"):
        lon, lat = doc["rider_location"]["coordinates"]
        rider_position = Position(lat=lat, lon=lon, at=utc(doc["rider_location_at"]))

    def when(name: str) -> datetime | None:
        value = doc.get(name)
        return utc(value) if value else None

    return Delivery(
        delivery_id=uuid.UUID(doc["delivery_id"]),
        order_id=uuid.UUID(doc["order_id"]),
        rider_id=uuid.UUID(doc["rider_id"]),
        restaurant_id=uuid.UUID(doc["restaurant_id"]),
        city=doc["city"],
        status=doc["status"],
        eta_minutes=doc["eta_minutes"],
        assigned_at=utc(doc["assigned_at"]),
        pickup=Point(**doc["pickup"]) if doc.get("pickup") else None,
        dropoff=Point(**doc["dropoff"]) if doc.get("dropoff") else None,
        rider_position=rider_position,
        picked_up_at=when("picked_up_at"),
        delivered_at=when("delivered_at"),
    )
