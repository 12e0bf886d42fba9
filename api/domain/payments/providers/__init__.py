"""Payment gateways behind one protocol; ``build_gateway`` picks one from settings."""

from __future__ import annotations

from api.domain.payments.providers.base import (
    Authorization,
    ChargeRequest,
    CustomerAction,
    GatewayError,
    GatewayUnavailable,
    PaymentGateway,
    Refund,
)
from api.domain.payments.providers.simulated_gateway import SimulatedGateway, authentication_event
from api.domain.payments.providers.stripe_gateway import StripeGateway
from api.domain.payments.settings import PaymentSettings


def build_gateway(settings: PaymentSettings) -> PaymentGateway:
    if settings.provider == "stripe":
        return StripeGateway(settings)
    return SimulatedGateway(settings)


__all__ = [
    "Authorization",
    "ChargeRequest",
    "CustomerAction",
    "GatewayError",
    "GatewayUnavailable",
    "PaymentGateway",
    "Refund",
    "SimulatedGateway",
    "StripeGateway",
    "authentication_event",
    "build_gateway",
]
