"""Stripe's signature scheme computed here by hand, so the check is proven against the spec, not itself."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from api.domain.payments.webhooks import InvalidWebhook, verify_stripe_event

pytestmark = pytest.mark.unit

SECRET = "whsec_test_secret_for_signatures"
EVENT = {"id": "evt_1", "object": "event", "type": "payment_intent.succeeded", "data": {"object": {}}}


def sign(payload: str, secret: str = SECRET, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def test_a_correctly_signed_event_is_accepted() -> None:
    payload = json.dumps(EVENT)
    assert verify_stripe_event(payload.encode(), sign(payload), SECRET, 300) == EVENT


def test_one_of_several_v1_signatures_may_match_during_secret_rotation() -> None:
    payload = json.dumps(EVENT)
    header = sign(payload, "whsec_old") + "," + sign(payload).split(",")[1]
    assert verify_stripe_event(payload.encode(), header, SECRET, 300)["id"] == "evt_1"


def test_a_tampered_body_is_rejected() -> None:
    payload = json.dumps(EVENT)
    header = sign(payload)
    tampered = payload.replace("evt_1", "evt_2")
    with pytest.raises(InvalidWebhook):
        verify_stripe_event(tampered.encode(), header, SECRET, 300)


def test_a_signature_with_another_secret_is_rejected() -> None:
    payload = json.dumps(EVENT)
    with pytest.raises(InvalidWebhook):
        verify_stripe_event(payload.encode(), sign(payload, "whsec_attacker"), SECRET, 300)


def test_a_too_old_signature_is_rejected_as_a_replay() -> None:
    payload = json.dumps(EVENT)
    old = sign(payload, timestamp=int(time.time()) - 301)
    with pytest.raises(InvalidWebhook, match="tolerance"):
        verify_stripe_event(payload.encode(), old, SECRET, 300)


@pytest.mark.parametrize("header", [None, "", "garbage", "t=abc,v1=00"])
def test_missing_or_malformed_headers_are_rejected(header: str | None) -> None:
    with pytest.raises(InvalidWebhook):
        verify_stripe_event(json.dumps(EVENT).encode(), header, SECRET, 300)


def test_a_signed_body_that_is_not_an_event_is_rejected() -> None:
    payload = json.dumps({"object": "charge"})
    with pytest.raises(InvalidWebhook):
        verify_stripe_event(payload.encode(), sign(payload), SECRET, 300)
