"""Requests and responses of the reviews domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec


class ReviewCreate(msgspec.Struct, forbid_unknown_fields=True):
    rating: Annotated[int, msgspec.Meta(ge=1, le=5, description="1 (poor) to 5 (excellent)")]
    comment: Annotated[str, msgspec.Meta(max_length=2000)] | None = None


class Review(msgspec.Struct):
    review_id: uuid.UUID
    order_id: uuid.UUID
    restaurant_id: uuid.UUID
    rating: int
    created_at: datetime
    comment: str | None = None
    author_name: str | None = None


class RatingSummary(msgspec.Struct):
    restaurant_id: uuid.UUID
    rating_count: int
    rating_avg: float | None = None


class ReviewPage(msgspec.Struct):
    summary: RatingSummary
    items: list[Review]
    next_cursor: str | None = None
