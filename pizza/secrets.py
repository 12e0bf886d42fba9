"""Start-up refusal of public default secrets outside development mode.

Every secret setting ships with a value anyone can read in the repository, so the demo and the tests run
with no set-up. Those values must never sign or authenticate anything in a real deployment: a component
calls :func:`require_secrets` when it starts, and outside development mode (``PIZZA_ENVIRONMENT`` one of
``pizza.config.DEV_ENVIRONMENTS``) a default or too short secret stops it with the variable to set.
In development mode the same call logs one line saying so, so nobody mistakes a demo for production.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr
from pydantic_settings import BaseSettings

from pizza.config import PlatformSettings
from pizza.logs import get_logger

log = get_logger(__name__)


class InsecureSettings(RuntimeError):
    """A component was asked to start outside development mode with a public default or weak secret."""


@dataclass(frozen=True, slots=True)
class WeakSecret:
    variable: str  # the environment variable to set, e.g. PIZZA_API_JWT_SECRET
    reason: str

    def __str__(self) -> str:
        return f"{self.variable}: {self.reason}"


def env_name(settings: BaseSettings, field: str) -> str:
    return f"{settings.model_config.get('env_prefix', '')}{field}".upper()


def check_secret(settings: BaseSettings, field: str, *, min_length: int = 1, prefix: str = "") -> WeakSecret | None:
    """Why ``settings.<field>`` is unfit for production (its public default, too short, wrong kind), or None."""
    value = getattr(settings, field)
    text = value.get_secret_value() if isinstance(value, SecretStr) else (value or "")
    default = type(settings).model_fields[field].default
    default_text = default.get_secret_value() if isinstance(default, SecretStr) else default
    name = env_name(settings, field)
    if text == default_text:
        return WeakSecret(name, "still the public default from the repository; set a secret of your own")
    if len(text) < min_length:
        return WeakSecret(name, f"shorter than {min_length} characters")
    if prefix and not text.startswith(prefix):
        return WeakSecret(name, f"does not start with {prefix!r}")
    return None


def require_secrets(component: str, platform: PlatformSettings, weak: list[WeakSecret]) -> None:
    """Refuse to start ``component`` with ``weak`` secrets unless the platform runs in development mode."""
    if platform.dev_mode:
        log.warning(
            "development mode: public default secrets are accepted; never expose this deployment",
            component=component,
            environment=platform.environment,
            default_secrets=[w.variable for w in weak],
        )
        return
    if weak:
        lines = "\n".join(f"  - {w}" for w in weak)
        raise InsecureSettings(
            f"{component} refuses to start in environment {platform.environment!r} with these secrets:\n{lines}\n"
            "Set them, or set PIZZA_ENVIRONMENT=local for a development machine (see docs/security.md)."
        )
