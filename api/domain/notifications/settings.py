"""Settings of the notifications domain (``PIZZA_NOTIFY_*``): which provider sends each channel, and how.

Every channel goes to the log/file provider by default, so the demo and tests send nothing outside
the machine; production picks SMTP or SendGrid for email and Twilio for SMS and sets their secrets.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from pizza.secrets import WeakSecret, check_secret


class NotifySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PIZZA_NOTIFY_", env_file=".env", extra="ignore")

    email_provider: Literal["log", "smtp", "sendgrid"] = "log"
    sms_provider: Literal["log", "twilio"] = "log"
    output_file: Path | None = Field(
        None, description="log provider's JSON-lines file; default <state dir>/notifications"
    )
    from_email: str = "orders@pizza-platform.dev"
    from_name: str = "Pizza Platform"

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0

    twilio_base_url: str = "https://api.twilio.com"
    twilio_account_sid: str = "AC00000000000000000000000000000000"
    twilio_auth_token: SecretStr = SecretStr("twilio-auth-token-placeholder")
    twilio_from_number: str = "+15005550006"

    sendgrid_base_url: str = "https://api.sendgrid.com"
    sendgrid_api_key: SecretStr = SecretStr("SG.placeholder")

    http_timeout_seconds: float = 10.0
    send_attempts: int = Field(4, ge=1, description="tries per notification on transient provider errors")
    backoff_seconds: float = Field(0.5, ge=0, description="first wait between tries; doubles up to backoff_max")
    backoff_max_seconds: float = 30.0

    log_collection: str = "notification_log"
    default_channels: list[Literal["email", "sms"]] = Field(default=["email"])

    def weak_secrets(self) -> list[WeakSecret]:
        """The selected providers' secrets still at their public defaults (pizza.secrets)."""
        checks = []
        if self.email_provider == "sendgrid":
            checks.append(check_secret(self, "sendgrid_api_key", min_length=20, prefix="SG."))
        if self.sms_provider == "twilio":
            checks.append(check_secret(self, "twilio_auth_token", min_length=32))
        return [weak for weak in checks if weak is not None]


@lru_cache
def get_notify_settings() -> NotifySettings:
    return NotifySettings()
