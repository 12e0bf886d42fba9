"""Settings of the ordering domain (``PIZZA_ORDERS_*``): the delivery fee policy.

Amounts are US-dollar cents, converted to each restaurant's currency at ``pizza.money``'s reference
rates and rounded to a price in that currency (``pizza.money.Threshold``). One policy for every
restaurant keeps the reference platform simple; a per-restaurant fee table would replace
``delivery_policy()``.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.domain.orders.pricing import DeliveryPolicy


class OrderSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PIZZA_ORDERS_", env_file=".env", extra="ignore")

    delivery_base_fee_cents: int = Field(199, ge=0, description="fee for any delivery, US-dollar cents")
    delivery_per_km_cents: int = Field(50, ge=0, description="added per started kilometre, US-dollar cents")
    delivery_max_km: float = Field(15.0, gt=0, description="no delivery beyond this distance")
    delivery_free_over_cents: int | None = Field(
        None, ge=0, description="free delivery from this subtotal, US-dollar cents"
    )

    def delivery_policy(self) -> DeliveryPolicy:
        return DeliveryPolicy(
            base_fee_cents=self.delivery_base_fee_cents,
            per_km_cents=self.delivery_per_km_cents,
            max_distance_km=self.delivery_max_km,
            free_over_cents=self.delivery_free_over_cents,
        )


@lru_cache
def get_order_settings() -> OrderSettings:
    return OrderSettings()
