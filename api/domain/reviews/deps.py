"""Dependency providers of the reviews domain."""

from __future__ import annotations

from api.db import Databases
from api.domain.reviews.services import ReviewService


def provide_review_service(db: Databases) -> ReviewService:
    return ReviewService(db)
