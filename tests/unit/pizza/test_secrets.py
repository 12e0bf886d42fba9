"""The public default secrets start nothing outside development mode, and the refusal names the variable."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from api.domain.notifications.settings import NotifySettings
from api.domain.payments.settings import PaymentSettings
from api.settings import ApiSettings
from pizza.config import PlatformSettings
from pizza.secrets import InsecureSettings, require_secrets

STRONG = "x" * 48


def test_default_jwt_secret_is_refused_in_production() -> None:
    weak = ApiSettings().weak_secrets()
    assert [w.variable for w in weak] == ["PIZZA_API_JWT_SECRET"]
    with pytest.raises(InsecureSettings, match="PIZZA_API_JWT_SECRET"):
        require_secrets("api", PlatformSettings(environment="production"), weak)


def test_short_jwt_secret_is_refused() -> None:
    weak = ApiSettings(jwt_secret=SecretStr("short")).weak_secrets()
    assert "shorter than 32" in weak[0].reason


def test_a_strong_secret_starts() -> None:
    assert ApiSettings(jwt_secret=SecretStr(STRONG)).weak_secrets() == []
    require_secrets("api", PlatformSettings(environment="production"), [])


@pytest.mark.parametrize("environment", ["local", "ci", "bench"])
def test_development_mode_accepts_defaults(environment: str) -> None:
    platform = PlatformSettings(environment=environment)
    assert platform.dev_mode
    require_secrets("api", platform, ApiSettings().weak_secrets())


def test_production_is_the_default_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PIZZA_ENVIRONMENT", raising=False)
    assert not PlatformSettings(_env_file=None).dev_mode  # type: ignore[call-arg]


def test_stripe_secrets_checked_only_when_stripe_is_the_gateway() -> None:
    assert PaymentSettings(provider="simulated").weak_secrets() == []
    names = {w.variable for w in PaymentSettings(provider="stripe").weak_secrets()}
    assert names == {"PIZZA_PAYMENTS_STRIPE_API_KEY", "PIZZA_PAYMENTS_STRIPE_WEBHOOK_SECRET"}
    real = PaymentSettings(
        provider="stripe",
        stripe_api_key=SecretStr("sk_live_" + "a" * 24),
        stripe_webhook_secret=SecretStr("whsec_" + "b" * 24),
    )
    assert real.weak_secrets() == []


def test_selected_notification_providers_need_their_secrets() -> None:
    assert NotifySettings().weak_secrets() == []
    names = {w.variable for w in NotifySettings(email_provider="sendgrid", sms_provider="twilio").weak_secrets()}
    assert names == {"PIZZA_NOTIFY_SENDGRID_API_KEY", "PIZZA_NOTIFY_TWILIO_AUTH_TOKEN"}
