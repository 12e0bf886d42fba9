"""Distances and ETAs. Pure functions: the assignment search itself runs in Redis (GEOSEARCH)."""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km; accurate to ~0.5 % for a city-scale trip, which is all an ETA needs."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def travel_minutes(km: float, speed_kmh: float) -> float:
    if speed_kmh <= 0:
        raise ValueError("speed must be positive")
    return km / speed_kmh * 60.0


def eta_minutes(legs_km: list[float], speed_kmh: float, handover_minutes: float) -> float:
    """Minutes until the customer has the order: every remaining leg at ``speed_kmh`` plus hand-over time."""
    return round(travel_minutes(sum(legs_km), speed_kmh) + handover_minutes, 1)


def remaining_legs(
    status: str, lat: float, lon: float, pickup: tuple[float, float] | None, dropoff: tuple[float, float] | None
) -> list[float] | None:
    """The km still to ride from (lat, lon): to the restaurant and on to the customer before pick-up,
    straight to the customer after. None when the way is unknown (no drop-off point, or finished)."""
    if status == "ASSIGNED" and pickup is not None:
        legs = [haversine_km(lat, lon, *pickup)]
        return [*legs, haversine_km(*pickup, *dropoff)] if dropoff is not None else legs
    if status == "PICKED_UP" and dropoff is not None:
        return [haversine_km(lat, lon, *dropoff)]
    return None


def city_key(city: str) -> str:
    """A stable Redis key part for a city name: case and spacing never split one city into two sets."""
    return "-".join(city.strip().lower().split())
