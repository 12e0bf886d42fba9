"""Search requests and results."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from msgspec import Struct

from api.domain.restaurants import Near


@dataclass(frozen=True, slots=True)
class SearchQuery:
    text: str
    city: str | None = None
    cuisine: str | None = None
    open_now: bool = False
    near: Near | None = None
    limit: int = 20


class RestaurantHit(Struct):
    restaurant_id: uuid.UUID
    name: str
    city: str
    cuisine: str
    rating_avg: float | None
    open_now: bool
    distance_km: float | None
    score: float


class DishHit(Struct):
    restaurant_id: uuid.UUID
    restaurant_name: str
    city: str
    item_id: str
    name: str
    description: str
    category: str
    min_price_cents: int
    currency: str
    rating_avg: float | None
    open_now: bool
    distance_km: float | None
    score: float


class SearchResults(Struct):
    query: str
    restaurants: list[RestaurantHit]
    dishes: list[DishHit]
