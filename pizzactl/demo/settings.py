"""Knobs of the demo (``PIZZA_DEMO_*``): how big a world, how many orders, how long to wait."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class DemoSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PIZZA_DEMO_", env_file=".env", extra="ignore")

    seed: int = 42
    cities: int = Field(12, ge=1, le=60)
    restaurants_per_city: int = Field(3, ge=1, le=50)
    riders_per_city: int = Field(4, ge=1, le=100)
    customers: int = Field(400, ge=1)
    history_days: int = Field(60, ge=0, le=330, description="days of back-dated order history to import")
    history_orders: int = Field(3000, ge=0, description="orders imported as history")
    live_orders: int = Field(120, ge=0, description="orders placed live, driven through the whole saga")
    concurrency: int = Field(8, ge=1, le=64)
    step_timeout_s: float = Field(120.0, gt=0, description="how long a live order waits for the saga at each step")
    payment_timeout_s: float = Field(
        45.0,
        gt=0,
        description="PIZZA_SAGA_PAYMENT_TIMEOUT_S of the saga the demo starts: a payment the gateway "
        "never answers is cancelled within the live step",
    )
    admin_email: str = "admin@demo.pizza"
    admin_password: str = "demo-admin-password"  # noqa: S105 - local demo account
