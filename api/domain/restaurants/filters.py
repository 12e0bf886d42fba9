"""What a restaurant listing asks for: built by the controllers from the query, turned into SQL by the
repositories. A module of its own so that both ends share it without the controllers reaching the SQL."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Near:
    lat: float
    lon: float
    radius_km: float | None


@dataclass(frozen=True, slots=True)
class RestaurantFilter:
    city: str | None = None
    cuisine: str | None = None
    open_now: bool = False
    near: Near | None = None
    include_inactive: bool = False
