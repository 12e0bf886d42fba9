"""Settings of customer support (``PIZZA_SUPPORT_*``): the service levels promised on every new ticket."""

from __future__ import annotations

from functools import lru_cache
from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SupportSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PIZZA_SUPPORT_", env_file=".env", extra="ignore")

    first_response_minutes: int = Field(
        120, ge=1, description="an agent answers a new ticket within this many minutes (stored on the ticket)"
    )
    resolution_minutes: int = Field(
        1440, ge=1, description="a ticket is resolved within this many minutes of opening (stored on the ticket)"
    )

    @model_validator(mode="after")
    def _resolution_after_first_response(self) -> Self:
        if self.resolution_minutes < self.first_response_minutes:
            raise ValueError("PIZZA_SUPPORT_RESOLUTION_MINUTES must not be shorter than the first-response time")
        return self


@lru_cache
def get_support_settings() -> SupportSettings:
    return SupportSettings()
