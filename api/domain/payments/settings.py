"""Settings of the payments domain (``PIZZA_PAYMENTS_*``): which gateway charges, its outcomes, fraud limits.

The simulated gateway is the default so the demo and the tests run offline; production sets
``PIZZA_PAYMENTS_PROVIDER=stripe`` and the Stripe keys. Nothing here is card data: the platform only
ever holds provider ids and statuses.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from pizza.secrets import WeakSecret, check_secret


class PaymentSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PIZZA_PAYMENTS_", env_file=".env", extra="ignore")

    provider: Literal["simulated", "stripe"] = "simulated"

    # --- simulated gateway: deterministic outcomes ---------------------------------------------
    sim_decline_cents: int | None = Field(13, description="decline when amount % 100 equals this (None or >99: never)")
    sim_timeout_cents: int | None = Field(17, description="time out when amount % 100 equals this")
    sim_fraud_cents: int | None = Field(42, description="gateway flags elevated risk when amount % 100 equals this")
    sim_decline_rate: float = Field(0.0, ge=0, le=1, description="extra random decline share (seeded, per payment)")
    sim_timeout_rate: float = Field(0.0, ge=0, le=1)
    sim_fraud_rate: float = Field(0.0, ge=0, le=1)
    sim_seed: int = 7
    sim_3ds_payment_method: str = Field(
        "pm_card_authenticationRequired",
        description="this payment method needs 3-D Secure, as Stripe's test card 4000 0027 6000 3184 does",
    )
    sim_3ds_cents: int | None = Field(
        None, description="also need 3-D Secure when amount % 100 equals this (orders name no method yet)"
    )

    # --- Stripe ---------------------------------------------------------------------------------
    stripe_api_key: SecretStr = Field(SecretStr("sk_test_placeholder"), description="secret key (sk_live_/sk_test_)")
    stripe_api_base: str = Field("https://api.stripe.com", description="point at a local server in tests")
    stripe_webhook_secret: SecretStr = Field(SecretStr("whsec_local_development"), description="endpoint secret")
    stripe_webhook_tolerance_seconds: int = 300
    stripe_timeout_seconds: float = 20.0
    stripe_return_url: str | None = Field(
        None,
        description="where Stripe sends the customer back after 3-D Secure; set, a payment needing it offers a "
        "redirect URL, unset the client confirms with Stripe.js and the client_secret",
    )
    stripe_default_payment_method: str = Field(
        "pm_card_visa", description="payment method charged off-session when the order names none (test mode)"
    )

    # --- retries of a gateway call (same idempotency key every attempt) ---------------------------
    gateway_attempts: int = Field(3, ge=1)
    gateway_backoff_seconds: float = Field(0.5, ge=0, description="first wait; doubles each attempt")

    # --- fraud rules --------------------------------------------------------------------------------
    fraud_window_minutes: int = Field(10, ge=1, description="velocity window")
    fraud_max_payments_per_user: int = Field(5, ge=1, description="payments per user in the window before review")
    fraud_max_payments_per_card: int = Field(8, ge=1, description="payments per card fingerprint in the window")
    fraud_new_user_cap_cents: int = Field(
        30_000, description="first payments above this many US-dollar cents (converted by pizza.money) go to review"
    )
    fraud_outlier_factor: float = Field(5.0, gt=1, description="amount above factor x the user's median -> review")
    fraud_outlier_min_history: int = Field(3, ge=1, description="payments needed before the median rule applies")

    # --- refunds started by restaurant staff: above a cap an admin approves --------------------------
    staff_refund_cap_cents: int = Field(
        10_000,
        ge=0,
        description="largest refund staff make alone, in US-dollar cents (converted by pizza.money); "
        "a larger one waits for an admin",
    )
    staff_refund_daily_cap_cents: int = Field(
        30_000,
        ge=0,
        description="refunds one staff member makes alone in any 24 hours, in US-dollar cents (converted "
        "by pizza.money); the refund that would pass it waits for an admin",
    )

    def weak_secrets(self) -> list[WeakSecret]:
        """The Stripe secrets still at their public defaults, when Stripe is the gateway (pizza.secrets)."""
        if self.provider != "stripe":
            return []
        checks = [
            check_secret(self, "stripe_api_key", min_length=20, prefix="sk_"),
            check_secret(self, "stripe_webhook_secret", min_length=20, prefix="whsec_"),
        ]
        return [weak for weak in checks if weak is not None]


@lru_cache
def get_payment_settings() -> PaymentSettings:
    return PaymentSettings()
