"""Requests, responses and live messages of the delivery domain (msgspec: validated and fast)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

# Rider positions live in a Redis GEO set, which holds latitudes up to +-85.05112878 (Web Mercator) and
# refuses others: a rider nearer a pole than that is refused here (400) instead of failing in Redis (500).
GEO_MAX_LATITUDE = 85.05112878
Latitude = Annotated[
    float, msgspec.Meta(ge=-GEO_MAX_LATITUDE, le=GEO_MAX_LATITUDE, description="degrees, within Redis GEO's range")
]
Longitude = Annotated[float, msgspec.Meta(ge=-180, le=180)]
RiderStatus = Literal["offline", "available", "busy"]
DeliveryStatus = Literal["ASSIGNED", "PICKED_UP", "DELIVERED", "CANCELLED"]


class GoOnline(msgspec.Struct, forbid_unknown_fields=True):
    lat: Latitude
    lon: Longitude
    city: Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | None = None


class LocationUpdate(msgspec.Struct, forbid_unknown_fields=True):
    lat: Latitude
    lon: Longitude


class Point(msgspec.Struct):
    lat: float
    lon: float


class Position(msgspec.Struct):
    lat: float
    lon: float
    at: datetime


class Delivery(msgspec.Struct):
    delivery_id: uuid.UUID
    order_id: uuid.UUID
    rider_id: uuid.UUID
    restaurant_id: uuid.UUID
    city: str
    status: DeliveryStatus
    eta_minutes: float
    assigned_at: datetime
    pickup: Point | None = None
    dropoff: Point | None = None
    rider_position: Position | None = None
    picked_up_at: datetime | None = None
    delivered_at: datetime | None = None


class Rider(msgspec.Struct):
    rider_id: uuid.UUID
    status: RiderStatus
    city: str | None = None
    position: Position | None = None
    delivery: Delivery | None = None


class LocationAccepted(msgspec.Struct, tag="location_accepted", tag_field="type"):
    rider_id: uuid.UUID
    at: datetime
    order_id: uuid.UUID | None = None
    eta_minutes: float | None = None


class Tracking(msgspec.Struct):
    order_id: uuid.UUID
    status: str
    estimated_ready_at: datetime | None = None
    delivery: Delivery | None = None
    path: list[Position] = msgspec.field(default_factory=list)


# --- live messages (JSON text frames on /orders/{id}/live and /riders/me/ws) -------------------------
class StatusMessage(msgspec.Struct, tag="status", tag_field="type"):
    order_id: uuid.UUID
    status: str
    changed_at: datetime
    from_status: str | None = None
    estimated_ready_at: datetime | None = None
    reason: str | None = None


class RiderPositionMessage(msgspec.Struct, tag="rider_position", tag_field="type"):
    order_id: uuid.UUID
    rider_id: uuid.UUID
    lat: float
    lon: float
    at: datetime
    delivery_status: str
    eta_minutes: float | None = None


class AssignedMessage(msgspec.Struct, tag="delivery_assigned", tag_field="type"):
    order_id: uuid.UUID
    delivery_id: uuid.UUID
    rider_id: uuid.UUID
    eta_minutes: float
    assigned_at: datetime
    pickup: Point | None = None
    dropoff: Point | None = None


class SnapshotMessage(msgspec.Struct, tag="snapshot", tag_field="type"):
    tracking: Tracking


class ErrorMessage(msgspec.Struct, tag="error", tag_field="type"):
    detail: str
