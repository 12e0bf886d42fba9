"""Settings of the loyalty programme (``PIZZA_LOYALTY_*``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class LoyaltySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PIZZA_LOYALTY_", env_file=".env", extra="ignore")

    points_per_unit: int = Field(1, ge=0, description="points per whole currency unit spent on food (after discounts)")
    point_value_cents: int = Field(1, ge=1, description="discount in minor currency units per redeemed point")
    max_redeem_share: float = Field(0.5, gt=0, le=1, description="largest share of the subtotal points may pay")
    ledger_page: int = Field(50, ge=1, le=500, description="ledger entries per page of GET /users/me/loyalty")


@lru_cache
def get_loyalty_settings() -> LoyaltySettings:
    return LoyaltySettings()
