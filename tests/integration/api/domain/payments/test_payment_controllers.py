"""The payment saga step with the real orders domain, and the payment endpoints over real HTTP.

An order is placed through ``POST /orders``; its ``OrderCreated`` row is read from the customer's
shard's outbox and handed to the payment service as the saga consumer will, with the real orders
port: the order must become PAID (or CANCELLED) through the orders state machine.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient
from redis.asyncio import Redis
from support.events import order_created_envelope

from api.db import Databases
from api.domain.payments import OrdersDomainPort, PaymentService
from api.domain.payments.providers import SimulatedGateway
from api.domain.payments.settings import PaymentSettings
from pizza.config import PlatformSettings

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

Place = Callable[..., dict[str, Any]]


@pytest.fixture
async def saga(databases: Databases, redis: Redis, stack: PlatformSettings) -> Any:
    """``await saga(order_json, user, **settings)`` -> the payment result, with the real orders port."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack.mongo)

    async def pay(order: dict[str, Any], user: Any, **overrides: Any) -> Any:
        settings = PaymentSettings(gateway_attempts=1, **overrides)
        port = OrdersDomainPort(databases, client[stack.mongo_database])
        service = PaymentService(databases, redis, SimulatedGateway(settings), settings, port)
        envelope = await order_created_envelope(databases, user.user_id, order["order_id"])
        return await service.handle_order_created(envelope)

    yield pay
    await client.close()


def signed(payload: dict[str, Any], secret: str | None = None) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    secret = secret or PaymentSettings().stripe_webhook_secret.get_secret_value()
    t = int(time.time())
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"Stripe-Signature": f"t={t},v1={mac}", "Content-Type": "application/json"}


async def test_a_successful_payment_marks_the_order_paid(
    http: httpx.Client, customer: Any, make_user: Callable[..., Any], admin: Any, make_restaurant: Callable[..., Any],
    place_order: Place, saga: Any,
) -> None:  # fmt: skip
    order = place_order(customer, make_restaurant().restaurant_id)
    result = await saga(order, customer)
    again = await saga(order, customer)

    assert result.status == "SUCCEEDED"
    assert not again.changed
    seen = http.get(f"/orders/{order['order_id']}", headers=customer.headers).json()
    assert seen["status"] == "PAID"
    assert [h["to_status"] for h in seen["history"]][-1] == "PAID"
    assert seen["history"][-1]["changed_by"] == "system:payments"

    mine = http.get(f"/orders/{order['order_id']}/payments", headers=customer.headers)
    assert mine.status_code == 200, mine.text
    [payment] = mine.json()
    assert payment["status"] == "SUCCEEDED"
    assert payment["amount_cents"] == order["total_cents"]
    assert "card_fingerprint" not in payment
    assert not {"fraud_score", "fraud_reasons", "review_decision", "user_id"} & set(
        payment
    )  # the fraud rules stay hidden
    stranger = http.get(f"/orders/{order['order_id']}/payments", headers=make_user().headers)
    assert stranger.status_code == 404
    as_admin = http.get(f"/orders/{order['order_id']}/payments", headers=admin.headers)
    assert [p["payment_id"] for p in as_admin.json()] == [payment["payment_id"]]
    detail = http.get(f"/admin/payments/{payment['payment_id']}", headers=admin.headers)
    assert detail.status_code == 200, detail.text
    assert isinstance(detail.json()["fraud_score"], int)
    assert http.get(f"/admin/payments/{payment['payment_id']}", headers=customer.headers).status_code == 403


async def test_a_declined_payment_cancels_the_order(
    http: httpx.Client, customer: Any, make_restaurant: Callable[..., Any], place_order: Place, saga: Any
) -> None:
    order = place_order(customer, make_restaurant().restaurant_id)
    result = await saga(order, customer, sim_decline_rate=1.0)
    assert result.status == "FAILED"
    seen = http.get(f"/orders/{order['order_id']}", headers=customer.headers).json()
    assert seen["status"] == "CANCELLED"


async def test_an_order_cancelled_before_its_payment_is_refunded_not_paid(
    http: httpx.Client, customer: Any, make_restaurant: Callable[..., Any], place_order: Place, saga: Any
) -> None:
    order = place_order(customer, make_restaurant().restaurant_id)
    cancelled = http.post(f"/orders/{order['order_id']}/cancel", json={"reason": "changed my mind"},
                          headers=customer.headers)  # fmt: skip
    assert cancelled.status_code == 200, cancelled.text
    result = await saga(order, customer)
    assert result.status == "REFUNDED"
    assert http.get(f"/orders/{order['order_id']}", headers=customer.headers).json()["status"] == "CANCELLED"


async def test_admins_review_held_payments_and_approval_pays_the_order(
    http: httpx.Client, customer: Any, admin: Any, make_restaurant: Callable[..., Any], place_order: Place, saga: Any
) -> None:
    order = place_order(customer, make_restaurant().restaurant_id)
    held = await saga(order, customer, fraud_new_user_cap_cents=1)
    assert held.status == "REVIEW"
    payment_id = str(held.payment["payment_id"])

    assert http.get("/admin/payments/reviews", headers=customer.headers).status_code == 403
    queue = http.get("/admin/payments/reviews", headers=admin.headers, params={"limit": 500})
    assert payment_id in {p["payment_id"] for p in queue.json()}
    forbidden = http.post(
        f"/admin/payments/{payment_id}/review", json={"decision": "approve"}, headers=customer.headers
    )
    assert forbidden.status_code == 403

    approved = http.post(f"/admin/payments/{payment_id}/review", json={"decision": "approve"}, headers=admin.headers)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "SUCCEEDED"
    assert approved.json()["review_decision"] == "approved"
    assert http.get(f"/orders/{order['order_id']}", headers=customer.headers).json()["status"] == "PAID"
    twice = http.post(f"/admin/payments/{payment_id}/review", json={"decision": "approve"}, headers=admin.headers)
    assert twice.status_code == 409
    unknown = http.post(f"/admin/payments/{uuid.uuid4()}/review", json={"decision": "reject"}, headers=admin.headers)
    assert unknown.status_code == 404


WEBHOOK_SECRET = "whsec_" + "k" * 32  # the test server's own signing secret
STRIPE_SERVER = {
    "PIZZA_PAYMENTS_PROVIDER": "stripe",
    "PIZZA_PAYMENTS_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
    "PIZZA_PAYMENTS_STRIPE_API_KEY": "sk_test_" + "k" * 32,
}


@pytest.fixture(scope="module")
def stripe_http(api_server: Callable[..., Any]) -> Iterator[httpx.Client]:
    """A server whose gateway is Stripe: the only kind that mounts the webhook."""
    with api_server("stripe-webhooks", **STRIPE_SERVER) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def refund_event(paid: dict[str, Any], user_id: uuid.UUID, **charge: Any) -> dict[str, Any]:
    return {
        "id": f"evt_{uuid.uuid4().hex[:16]}",
        "object": "event",
        "type": "charge.refunded",
        "created": int(datetime.now(UTC).timestamp()),
        "data": {
            "object": {
                "id": "ch_1",
                "object": "charge",
                "payment_intent": paid["provider_ref"],
                "amount": paid["amount_cents"],
                "currency": paid["currency"].lower(),
                "metadata": {"user_id": str(user_id), "payment_id": str(paid["payment_id"])},
                **charge,
            }
        },
    }


async def test_a_signed_stripe_refund_event_is_applied_once(
    http: httpx.Client, stripe_http: httpx.Client, customer: Any, make_restaurant: Callable[..., Any],
    place_order: Place, saga: Any,
) -> None:  # fmt: skip
    order = place_order(customer, make_restaurant().restaurant_id)
    paid = (await saga(order, customer)).payment
    body, headers = signed(refund_event(paid, customer.user_id), WEBHOOK_SECRET)
    first = stripe_http.post("/payments/webhooks/stripe", content=body, headers=headers)
    replay = stripe_http.post("/payments/webhooks/stripe", content=body, headers=headers)

    assert first.status_code == 200, first.text
    assert first.json() == {"received": True, "outcome": "charge.refunded: REFUNDED"}
    assert replay.json()["outcome"] == "duplicate"
    [payment] = http.get(f"/orders/{order['order_id']}/payments", headers=customer.headers).json()
    assert payment["status"] == "REFUNDED"


@pytest.mark.parametrize(
    ("forged", "field"),
    [
        ({"payment_intent": "pi_attacker"}, "payment intent"),
        ({"amount": 1}, "amount"),
        ({"currency": "jpy"}, "currency"),
    ],
)
async def test_a_signed_event_that_does_not_match_the_stored_payment_changes_nothing(
    http: httpx.Client, stripe_http: httpx.Client, customer: Any, make_restaurant: Callable[..., Any],
    place_order: Place, saga: Any, forged: dict[str, Any], field: str,
) -> None:  # fmt: skip
    order = place_order(customer, make_restaurant().restaurant_id)
    paid = (await saga(order, customer)).payment
    body, headers = signed(refund_event(paid, customer.user_id, **forged), WEBHOOK_SECRET)
    response = stripe_http.post("/payments/webhooks/stripe", content=body, headers=headers)

    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == f"rejected: {field} does not match the payment"
    [payment] = http.get(f"/orders/{order['order_id']}/payments", headers=customer.headers).json()
    assert payment["status"] == "SUCCEEDED"


@pytest.mark.parametrize("attack", ["tampered", "wrong secret", "unsigned", "stale"])
def test_unverified_webhooks_are_rejected(stripe_http: httpx.Client, attack: str) -> None:
    event = {"id": "evt_x", "object": "event", "type": "charge.refunded", "data": {"object": {}}}
    body, headers = signed(event, "whsec_attacker" if attack == "wrong secret" else WEBHOOK_SECRET)
    if attack == "tampered":
        body = body.replace(b"evt_x", b"evt_y")
    if attack == "stale":  # signed correctly, 301 s ago: outside the 300 s window
        t = int(time.time()) - 301
        mac = hmac.new(WEBHOOK_SECRET.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
        headers["Stripe-Signature"] = f"t={t},v1={mac}"
    if attack == "unsigned":
        headers.pop("Stripe-Signature")
    response = stripe_http.post("/payments/webhooks/stripe", content=body, headers=headers)
    assert response.status_code == 400
    expected = "/validation" if attack == "unsigned" else "/invalid-webhook-signature"  # the header is required
    assert response.json()["type"].endswith(expected)


def test_the_webhook_does_not_exist_while_the_gateway_is_simulated(http: httpx.Client) -> None:
    body, headers = signed({"id": "evt_sim", "object": "event", "type": "charge.refunded", "data": {"object": {}}})
    assert http.post("/payments/webhooks/stripe", content=body, headers=headers).status_code == 404
    assert "/payments/webhooks/stripe" not in http.get("/schema/openapi.json").json()["paths"]


def test_an_ignored_stripe_event_is_acknowledged(stripe_http: httpx.Client) -> None:
    body, headers = signed(
        {"id": "evt_other", "object": "event", "type": "customer.created", "data": {"object": {}}}, WEBHOOK_SECRET
    )
    response = stripe_http.post("/payments/webhooks/stripe", content=body, headers=headers)
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"
