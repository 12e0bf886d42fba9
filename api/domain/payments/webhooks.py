"""Stripe webhook verification: the ``Stripe-Signature`` header is checked before a byte of the body is trusted.

The scheme (``t=<unix ts>,v1=<hex hmac_sha256(secret, "<t>.<raw body>")>``) and the replay window are
stripe-python's own ``WebhookSignature.verify_header``; we only turn its failures into one error type.
"""

from __future__ import annotations

import json
from typing import Any

import stripe


class InvalidWebhook(Exception):
    """Missing or wrong signature, stale timestamp, or a body that is not a Stripe event."""


def verify_stripe_event(payload: bytes, signature: str | None, secret: str, tolerance_seconds: int) -> dict[str, Any]:
    if not signature:
        raise InvalidWebhook("missing Stripe-Signature header")
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(text, signature, secret, tolerance_seconds)
        event = json.loads(text)
    except stripe.SignatureVerificationError as exc:
        raise InvalidWebhook(str(exc)) from exc
    except (UnicodeDecodeError, ValueError, IndexError) as exc:  # bad header shape or body
        raise InvalidWebhook(f"unreadable webhook: {exc}") from exc
    if not isinstance(event, dict) or event.get("object") != "event":
        raise InvalidWebhook("the body is not a Stripe event")
    return event
