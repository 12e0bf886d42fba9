"""An offline gateway with configurable, deterministic outcomes (approve, decline, timeout, fraud flag).

Outcomes depend only on the amount's cents and a seeded RNG keyed by the payment, so the same payment
always gets the same answer: a retry behaves as a retry against a real gateway would, and tests and
demos are reproducible. Provider refs are derived from the idempotency key, as a real gateway
returns the same object for a repeated key.

3-D Secure: the payment method ``sim_3ds_payment_method`` (or an amount ending in ``sim_3ds_cents``) is
answered ``requires_action`` with a client secret, as Stripe answers its test card 4000 0027 6000 3184.
The customer's answer comes back as the webhook Stripe would send (:func:`authentication_event`), applied
through the same path as Stripe's.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections.abc import Mapping
from typing import Any

from api.domain.payments.providers.base import (
    Authorization,
    ChargeRequest,
    CustomerAction,
    GatewayUnavailable,
    Refund,
)
from api.domain.payments.settings import PaymentSettings
from pizza.money import provider_amount

_NAMESPACE = uuid.UUID("7b3f6c1e-58a2-4d0e-9a43-5f1e2b9c0d11")


class SimulatedGateway:
    name = "simulated"

    def __init__(self, settings: PaymentSettings) -> None:
        self.settings = settings

    def _ref(self, prefix: str, key: str) -> str:
        return f"sim_{prefix}_{uuid.uuid5(_NAMESPACE, key).hex[:24]}"

    def _roll(self, charge: ChargeRequest) -> float:
        return random.Random(f"{self.settings.sim_seed}:{charge.payment_id}").random()

    def outcome(self, charge: ChargeRequest) -> str:
        """``approve``, ``decline``, ``timeout``, ``fraud`` or ``authenticate`` (3-D Secure) for this payment."""
        s, cents = self.settings, charge.amount_cents % 100
        if charge.payment_method == s.sim_3ds_payment_method or cents == s.sim_3ds_cents:
            return "authenticate"
        if cents == s.sim_timeout_cents:
            return "timeout"
        if cents == s.sim_decline_cents:
            return "decline"
        if cents == s.sim_fraud_cents:
            return "fraud"
        roll = self._roll(charge)
        if roll < s.sim_timeout_rate:
            return "timeout"
        if roll < s.sim_timeout_rate + s.sim_decline_rate:
            return "decline"
        if roll < s.sim_timeout_rate + s.sim_decline_rate + s.sim_fraud_rate:
            return "fraud"
        return "approve"

    def fingerprint(self, charge: ChargeRequest) -> str:
        """One simulated card per customer (or per named payment method)."""
        card = charge.payment_method or str(charge.user_id)
        return hashlib.sha256(f"{self.settings.sim_seed}:{card}".encode()).hexdigest()[:16]

    async def authorize(self, charge: ChargeRequest) -> Authorization:
        outcome = self.outcome(charge)
        if outcome == "timeout":
            raise GatewayUnavailable("simulated gateway timed out")
        ref = self._ref("pi", charge.key("authorize"))
        if outcome == "decline":
            return Authorization("declined", ref, self.fingerprint(charge), "card", decline_reason="card_declined")
        if outcome == "authenticate":
            action = CustomerAction("use_stripe_sdk", f"{ref}_secret_{uuid.uuid5(_NAMESPACE, ref).hex[:24]}")
            return Authorization(
                "requires_action", ref, self.fingerprint(charge), "card", raw_status="requires_action", action=action
            )
        return Authorization(
            "authorized", ref, self.fingerprint(charge), "card", elevated_risk=outcome == "fraud", raw_status="held"
        )

    async def capture(self, charge: ChargeRequest, provider_ref: str) -> str:
        return "succeeded"

    async def cancel(self, charge: ChargeRequest, provider_ref: str, reason: str) -> None:
        return None

    async def refund(self, charge: ChargeRequest, provider_ref: str) -> Refund:
        return Refund(self._ref("re", charge.key("refund")), "succeeded")

    async def close(self) -> None:
        return None


def authentication_event(payment: Mapping[str, Any], succeeded: bool) -> dict[str, Any]:
    """The webhook Stripe sends once the customer answers 3-D Secure on a manual-capture intent.

    Passed: ``payment_intent.amount_capturable_updated`` (status ``requires_capture``, funds held, ours to
    capture). Failed: ``payment_intent.payment_failed`` with ``payment_intent_authentication_failure``.
    """
    intent: dict[str, Any] = {
        "id": payment["provider_ref"],
        "object": "payment_intent",
        "amount": provider_amount(payment["amount_cents"], str(payment["currency"])),  # as Stripe counts
        "currency": str(payment["currency"]).lower(),
        "capture_method": "manual",
        "status": "requires_capture" if succeeded else "requires_payment_method",
        "metadata": {"user_id": str(payment["user_id"]), "payment_id": str(payment["payment_id"])},
    }
    if not succeeded:
        intent["last_payment_error"] = {"code": "payment_intent_authentication_failure", "type": "card_error"}
    kind = "payment_intent.amount_capturable_updated" if succeeded else "payment_intent.payment_failed"
    event_id = "evt_sim_" + uuid.uuid5(_NAMESPACE, f"{payment['payment_id']}:{kind}").hex[:24]
    return {"id": event_id, "object": "event", "type": kind, "created": int(time.time()), "data": {"object": intent}}
