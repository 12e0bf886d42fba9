"""Stripe through stripe-python: PaymentIntents with manual capture, refunds, an idempotency key on every call.

Authorize = create and confirm a PaymentIntent with ``capture_method=manual`` (funds held); the
expanded latest charge tells us the card fingerprint and Radar's risk level for the fraud rules.
Capture or cancel follows. A card that needs 3-D Secure comes back ``requires_action``: the intent's
``client_secret`` (and, with a return URL, the redirect page) goes to the customer, and the answer
arrives as a webhook. The intent is confirmed on-session (the customer is at the checkout), so Stripe
asks for authentication instead of declining with ``authentication_required``. Errors are mapped to
the two kinds the service acts on: a decline (final) and ``GatewayUnavailable`` (retry with the same
key). Card numbers never pass through us: the payment method id is a token created by Stripe on the
customer's device.
"""

from __future__ import annotations

from typing import Any

import stripe

from api.domain.payments.providers.base import (
    Authorization,
    ChargeRequest,
    CustomerAction,
    GatewayError,
    GatewayUnavailable,
    Refund,
)
from api.domain.payments.settings import PaymentSettings
from pizza.money import NotWholeMinorUnits, provider_amount

_RETRYABLE = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)
_ELEVATED_RISK = {"elevated", "highest"}


def _charge_facts(intent: dict[str, Any]) -> tuple[str | None, str | None, bool]:
    """(card fingerprint, method type, elevated risk) from an intent with ``latest_charge`` expanded."""
    charge = intent.get("latest_charge")
    if not isinstance(charge, dict):
        return None, None, False
    details = charge.get("payment_method_details") or {}
    card = details.get("card") or {}
    outcome = charge.get("outcome") or {}
    return card.get("fingerprint"), details.get("type"), outcome.get("risk_level") in _ELEVATED_RISK


def _customer_action(intent: dict[str, Any]) -> CustomerAction | None:
    """Stripe's ``next_action`` as what the client needs: the redirect page, or the client secret alone."""
    secret = intent.get("client_secret")
    if not isinstance(secret, str):
        return None
    action = intent.get("next_action") or {}
    url = (action.get("redirect_to_url") or {}).get("url")
    if action.get("type") == "redirect_to_url" and isinstance(url, str):
        return CustomerAction("redirect_to_url", secret, url)
    return CustomerAction("use_stripe_sdk", secret)


class StripeGateway:
    name = "stripe"

    def __init__(self, settings: PaymentSettings, client: stripe.StripeClient | None = None) -> None:
        self.settings = settings
        self._http: stripe.HTTPXClient | None = None
        if client is None:
            self._http = stripe.HTTPXClient(timeout=settings.stripe_timeout_seconds)
            client = stripe.StripeClient(
                settings.stripe_api_key.get_secret_value(),
                base_addresses={"api": settings.stripe_api_base},
                http_client=self._http,
                max_network_retries=0,  # the service retries with tenacity, same idempotency key
            )
        self.client = client

    async def authorize(self, charge: ChargeRequest) -> Authorization:
        try:
            amount = provider_amount(charge.amount_cents, charge.currency)
        except NotWholeMinorUnits as exc:
            raise GatewayError(f"stripe: {exc}") from exc
        params: dict[str, Any] = {
            "amount": amount,  # Stripe counts the currency's smallest unit: whole yen, fils
            "currency": charge.currency.lower(),
            "payment_method": charge.payment_method or self.settings.stripe_default_payment_method,
            "payment_method_types": ["card"],
            "confirm": True,
            "capture_method": "manual",
            "description": f"Pizza order {charge.order_id}",
            "metadata": {
                "order_id": str(charge.order_id),
                "user_id": str(charge.user_id),
                "payment_id": str(charge.payment_id),
            },
            "expand": ["latest_charge"],
        }
        if self.settings.stripe_return_url:
            params["return_url"] = self.settings.stripe_return_url
        try:
            intent = await self.client.v1.payment_intents.create_async(
                params,  # type: ignore[arg-type]
                {"idempotency_key": charge.key("authorize")},
            )
        except stripe.CardError as exc:
            body = exc.json_body if isinstance(exc.json_body, dict) else {}
            error = body.get("error") or {}
            failed = error.get("payment_intent") or {}
            fingerprint, method, _ = _charge_facts(failed)
            reason = error.get("decline_code") or error.get("code") or "card_declined"
            return Authorization("declined", failed.get("id"), fingerprint, method, decline_reason=reason)
        except _RETRYABLE as exc:
            raise GatewayUnavailable(f"stripe: {type(exc).__name__}: {exc}") from exc
        except stripe.StripeError as exc:
            raise GatewayError(f"stripe: {type(exc).__name__}: {exc}") from exc
        data = intent.to_dict()
        fingerprint, method, risky = _charge_facts(data)
        if data.get("status") == "requires_action" and (action := _customer_action(data)) is not None:
            return Authorization(
                "requires_action", data["id"], fingerprint, method, raw_status="requires_action", action=action
            )
        if data.get("status") != "requires_capture":
            return Authorization(
                "declined", data.get("id"), fingerprint, method, decline_reason=f"status {data.get('status')}"
            )
        return Authorization(
            "authorized", data["id"], fingerprint, method, elevated_risk=risky, raw_status=data.get("status")
        )

    async def capture(self, charge: ChargeRequest, provider_ref: str) -> str:
        intent = await self._call(
            self.client.v1.payment_intents.capture_async(provider_ref, None, {"idempotency_key": charge.key("capture")})
        )
        return str(intent.get("status"))

    async def cancel(self, charge: ChargeRequest, provider_ref: str, reason: str) -> None:
        await self._call(
            self.client.v1.payment_intents.cancel_async(
                provider_ref,
                {"cancellation_reason": reason},  # type: ignore[typeddict-item]
                {"idempotency_key": charge.key("cancel")},
            )
        )

    async def refund(self, charge: ChargeRequest, provider_ref: str) -> Refund:
        refund = await self._call(
            self.client.v1.refunds.create_async(
                {
                    "payment_intent": provider_ref,
                    "reason": "requested_by_customer",
                    "metadata": {"order_id": str(charge.order_id), "payment_id": str(charge.payment_id)},
                },
                {"idempotency_key": charge.key("refund")},
            )
        )
        return Refund(str(refund["id"]), str(refund.get("status")))

    async def _call(self, awaitable: Any) -> dict[str, Any]:
        try:
            result = await awaitable
        except _RETRYABLE as exc:
            raise GatewayUnavailable(f"stripe: {type(exc).__name__}: {exc}") from exc
        except stripe.StripeError as exc:
            raise GatewayError(f"stripe: {type(exc).__name__}: {exc}") from exc
        return result.to_dict()  # type: ignore[no-any-return]

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close_async()  # type: ignore[no-untyped-call]
