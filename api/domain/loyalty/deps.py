"""Dependency providers of the loyalty domain."""

from __future__ import annotations

from api.db import Databases
from api.domain.loyalty.services import LoyaltyService


def provide_loyalty_service(db: Databases) -> LoyaltyService:
    return LoyaltyService(db)
