"""The payment-gateway contract: authorize, capture, cancel, refund; each call idempotent by key.

The service authorizes first (funds held, nothing captured), runs the fraud rules on what the gateway
told it (card fingerprint, risk level), then captures or holds the payment for review. Every call
carries an idempotency key derived from the payment id, so a retry after a timeout or a crash can
never charge twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Literal, Protocol


class GatewayError(Exception):
    """The gateway answered with an error we cannot fix by retrying (bad request, auth)."""


class GatewayUnavailable(GatewayError):
    """Timeout, connection error, rate limit or 5xx: retry with the same idempotency key."""


@dataclass(frozen=True, slots=True)
class ChargeRequest:
    payment_id: uuid.UUID
    order_id: uuid.UUID
    user_id: uuid.UUID
    amount_cents: int
    currency: str
    payment_method: str | None = None

    def key(self, step: str) -> str:
        """The idempotency key of one step of this payment (same on every retry)."""
        return f"pizza-{self.payment_id}-{step}"


@dataclass(frozen=True, slots=True)
class CustomerAction:
    """What the customer must do before the provider authorizes (3-D Secure): Stripe's ``next_action``.

    ``use_stripe_sdk``: the client passes ``client_secret`` to Stripe.js (``handleNextAction``);
    ``redirect_to_url``: the client opens ``redirect_url`` and comes back to the configured return URL.
    """

    kind: Literal["use_stripe_sdk", "redirect_to_url"]
    client_secret: str
    redirect_url: str | None = None


@dataclass(frozen=True, slots=True)
class Authorization:
    status: Literal["authorized", "declined", "requires_action"]
    provider_ref: str | None
    card_fingerprint: str | None = None
    method: str | None = None
    elevated_risk: bool = False
    decline_reason: str | None = None
    raw_status: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    action: CustomerAction | None = None  # set when status is requires_action


@dataclass(frozen=True, slots=True)
class Refund:
    provider_ref: str
    status: str


class PaymentGateway(Protocol):
    name: str

    async def authorize(self, charge: ChargeRequest) -> Authorization: ...

    async def capture(self, charge: ChargeRequest, provider_ref: str) -> str:
        """Capture an authorization; returns the provider's status (``succeeded``)."""
        ...

    async def cancel(self, charge: ChargeRequest, provider_ref: str, reason: str) -> None:
        """Release an authorization that will not be captured."""
        ...

    async def refund(self, charge: ChargeRequest, provider_ref: str) -> Refund: ...

    async def close(self) -> None: ...
