"""Settings of the API process (``PIZZA_API_*``). Shared store locations come from ``pizza.config``."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, IPvAnyNetwork, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.lib.ratelimit import Budgets
from pizza.secrets import WeakSecret, check_secret

JWT_SECRET_MIN_LENGTH = 32  # 256 bits of base64 or hex-ish text: the HS256 key length RFC 7518 asks for
SIGNUPS_PER_HOUR_IP = 20  # production default of signups_per_hour_ip
SIGNUPS_PER_HOUR_IP_DEV = 100_000  # development mode: the demo signs all its customers up from one address


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PIZZA_API_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(2, ge=1, description="granian worker processes")
    debug: bool = False
    title: str = "Pizza Platform API"
    version: str = "1.0.0"

    jwt_secret: SecretStr = Field(
        SecretStr("local-development-secret-change-me-in-production-0123456789"),
        description="HS256 signing key: 32+ random characters; the public default only starts in development mode",
    )
    jwt_algorithm: str = "HS256"
    access_token_minutes: int = 15
    refresh_token_days: int = Field(30, ge=1, description="a refresh token unused this long expires")
    session_max_days: int = Field(
        90, ge=1, description="a login ends this long after its password was given, however often it is refreshed"
    )
    # argon2id cost; defaults are argon2-cffi's (RFC 9106 low-memory profile). Lower only for tests.
    password_hash_time_cost: int = Field(3, ge=1)
    password_hash_memory_kib: int = Field(65536, ge=1024)
    password_hash_parallelism: int = Field(4, ge=1)
    password_hash_slots: int = Field(
        4, ge=1, description="password hashes run at once per API process; each holds password_hash_memory_kib"
    )
    password_hash_queue: int = Field(
        16, ge=0, description="password hashes that may wait for a slot per process; past that 503 + Retry-After"
    )
    signups_per_hour_ip: int | None = Field(
        None,
        ge=1,
        description=f"sign-ups per hour per client IP (each hashes a password); unset: {SIGNUPS_PER_HOUR_IP}, "
        f"or {SIGNUPS_PER_HOUR_IP_DEV} in development mode (the demo signs its customers up from one address)",
    )

    password_reset_minutes: int = Field(30, ge=1, le=24 * 60, description="an e-mailed reset token lives this long")
    password_reset_link: str = Field(
        "http://localhost:3000/reset-password#token=",
        description="the reset e-mail's link: the token is appended (after '#', it stays out of server logs)",
    )
    password_resets_per_hour_account: int = Field(
        3, ge=1, description="reset e-mails one account may be sent per hour (unknown e-mails are counted alike)"
    )
    password_resets_per_hour_ip: int = Field(20, ge=1, description="reset requests per hour per client IP")

    login_failures_per_15_minutes: int = Field(
        5, ge=1, description="failed logins for one account before it must wait (per-account throttle)"
    )
    login_failures_per_day: int = Field(20, ge=1, description="failed logins for one account per day (backoff)")
    rate_limit_per_minute_ip: int = Field(
        600, ge=1, description="anonymous requests per minute per client IP (sign-up, login, browsing)"
    )
    rate_limit_per_minute_ip_total: int = Field(
        6000, ge=1, description="all requests per minute per client IP: a flood ceiling above the user budgets"
    )
    rate_limit_per_minute_user: int = Field(300, ge=1, description="requests per minute per signed-in customer")
    rate_limit_per_minute_staff: int = Field(
        1200, ge=1, description="requests per minute per restaurant-staff, rider or support-agent account"
    )
    rate_limit_per_minute_admin: int = Field(
        3000, ge=1, description="requests per minute per admin account (trusted imports and back-office tools)"
    )
    rate_limits_fail_closed: bool = Field(
        False,
        description="if Redis cannot count, refuse with 503 + Retry-After instead of letting requests through; "
        "turn on where the limits are what keeps abuse out (an API exposed to the internet)",
    )
    trusted_proxies: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="proxies (IPs or CIDRs) whose X-Forwarded-For names the client; empty: the socket peer is "
        "the client",
    )

    pg_pool_min: int = 1
    pg_pool_max: int = 10
    menu_cache_seconds: int = 300
    search_backend: Literal["postgres"] = Field("postgres", description="implementation behind SearchBackend")
    cors_origins: list[str] = Field(default_factory=lambda: ["http://localhost:3000"])

    ops_token: SecretStr | None = Field(
        None,
        description="bearer token for /metrics and /ready's checks; unset: only direct loopback callers see them",
    )

    def weak_secrets(self) -> list[WeakSecret]:
        """The API's own secrets that are public defaults or too short (refused outside development mode)."""
        weak = check_secret(self, "jwt_secret", min_length=JWT_SECRET_MIN_LENGTH)
        return [weak] if weak else []

    def rate_limit_budgets(self) -> Budgets:
        staff = self.rate_limit_per_minute_staff
        return Budgets(
            ip=self.rate_limit_per_minute_ip,
            ip_total=self.rate_limit_per_minute_ip_total,
            user_by_role={
                "customer": self.rate_limit_per_minute_user,
                "restaurant_staff": staff,
                "rider": staff,
                "agent": staff,
                "admin": self.rate_limit_per_minute_admin,
            },
            fail_closed=self.rate_limits_fail_closed,
        )

    def signup_budget(self, dev_mode: bool) -> int:
        """Sign-ups per hour per address: the setting, else the default of the platform's mode."""
        if self.signups_per_hour_ip is not None:
            return self.signups_per_hour_ip
        return SIGNUPS_PER_HOUR_IP_DEV if dev_mode else SIGNUPS_PER_HOUR_IP


@lru_cache
def get_api_settings() -> ApiSettings:
    return ApiSettings()
