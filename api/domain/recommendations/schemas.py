"""Responses of the recommendations domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

import msgspec

ItemType = Literal["dish", "restaurant"]


class Recommendation(msgspec.Struct):
    item_type: ItemType
    rank: int
    item_id: str
    item_name: str
    score: float


class Recommendations(msgspec.Struct):
    user_id: uuid.UUID
    items: list[Recommendation]
    model_version: str | None = None  # None: the customer is not in the published feed (yet)
    generated_at: datetime | None = None
