"""Settings of rider assignment and live tracking (``PIZZA_DELIVERY_*``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class DeliverySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PIZZA_DELIVERY_", env_file=".env", extra="ignore")

    search_radius_km: float = Field(5.0, gt=0, description="how far from the restaurant a rider may be assigned")
    rider_speed_kmh: float = Field(18.0, gt=0, description="average rider speed used for ETAs")
    handover_minutes: float = Field(2.0, ge=0, description="pick-up and hand-over time added to every ETA")
    assignment_ttl_hours: float = Field(6.0, gt=0, description="safety expiry of an order's rider claim in Redis")
    tracking_ttl_hours: float = Field(24.0, gt=0, description="rider_locations points expire after this (TTL index)")
    waiting_batch: int = Field(20, ge=1, description="waiting orders retried when a rider becomes available")
    path_points: int = Field(200, ge=1, description="most recent positions returned by GET /orders/{id}/tracking")


@lru_cache
def get_delivery_settings() -> DeliverySettings:
    return DeliverySettings()
