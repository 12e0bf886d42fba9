"""Settings of the API process (``PIZZA_API_*``). Shared store locations come from ``pizza.config``."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


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
        description="HS256 signing key; set a long random value in production",
    )
    jwt_algorithm: str = "HS256"
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    # argon2id cost; defaults are argon2-cffi's (RFC 9106 low-memory profile). Lower only for tests.
    password_hash_time_cost: int = Field(3, ge=1)
    password_hash_memory_kib: int = Field(65536, ge=1024)
    password_hash_parallelism: int = Field(4, ge=1)

    rate_limit_per_minute_ip: int = Field(600, description="requests per minute per client IP")
    rate_limit_per_minute_user: int = Field(300, description="requests per minute per authenticated user")

    pg_pool_min: int = 1
    pg_pool_max: int = 10
    menu_cache_seconds: int = 300
    search_backend: Literal["postgres"] = Field("postgres", description="implementation behind SearchBackend")
    cors_origins: list[str] = Field(default_factory=lambda: ["http://localhost:3000"])


@lru_cache
def get_api_settings() -> ApiSettings:
    return ApiSettings()
