"""3-D Secure through the Stripe adapter and the real webhook route: the intent needs authentication, the
customer sees its client secret, Stripe's signed ``amount_capturable_updated`` makes the server capture.

Stripe is the local Stripe-speaking server (``payments_doubles.FakeStripe``), shared by the in-process
charge and by a second API server whose gateway is Stripe, so the capture the webhook causes is seen."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from payments_doubles import AUTHENTICATION_REQUIRED, FakeStripe, serving_fake_stripe
from pydantic import SecretStr
from pymongo import AsyncMongoClient
from redis.asyncio import Redis
from support.events import order_created_envelope
from test_payment_controllers import STRIPE_SERVER, WEBHOOK_SECRET, signed

from api.db import Databases
from api.domain.payments import OrdersDomainPort, PaymentService
from api.domain.payments.providers import StripeGateway
from api.domain.payments.settings import PaymentSettings
from pizza.config import PlatformSettings

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


@pytest.fixture(scope="module")
def stripe_api(api_server: Callable[..., Any]) -> Iterator[tuple[FakeStripe, httpx.Client]]:
    with (
        serving_fake_stripe() as fake,
        api_server("stripe-3ds", **STRIPE_SERVER, PIZZA_PAYMENTS_STRIPE_API_BASE=fake.url) as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        yield fake, client


def capturable(payment: dict[str, Any]) -> dict[str, Any]:
    intent = {
        "id": payment["provider_ref"], "object": "payment_intent", "amount": payment["amount_cents"],
        "currency": payment["currency"].lower(), "capture_method": "manual", "status": "requires_capture",
        "metadata": {"user_id": str(payment["user_id"]), "payment_id": str(payment["payment_id"])},
    }  # fmt: skip
    kind = "payment_intent.amount_capturable_updated"
    return {"id": f"evt_{uuid.uuid4().hex[:16]}", "object": "event", "type": kind, "data": {"object": intent}}


async def test_stripes_webhook_after_3ds_captures_the_intent_and_pays_the_order(
    stripe_api: tuple[FakeStripe, httpx.Client], http: httpx.Client, customer: Any,
    make_restaurant: Callable[..., Any], place_order: Callable[..., dict[str, Any]],
    databases: Databases, redis: Redis, stack: PlatformSettings,
) -> None:  # fmt: skip
    fake, webhook_api = stripe_api
    order = place_order(customer, make_restaurant().restaurant_id)
    settings = PaymentSettings(
        provider="stripe", gateway_attempts=1, stripe_api_key=SecretStr(STRIPE_SERVER["PIZZA_PAYMENTS_STRIPE_API_KEY"]),
        stripe_api_base=fake.url, stripe_default_payment_method=AUTHENTICATION_REQUIRED,
    )  # fmt: skip
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack.mongo)
    gateway = StripeGateway(settings)
    try:
        port = OrdersDomainPort(databases, mongo[stack.mongo_database])
        service = PaymentService(databases, redis, gateway, settings, port)
        result = await service.handle_order_created(
            await order_created_envelope(databases, customer.user_id, order["order_id"])
        )
    finally:
        await gateway.close()
        await mongo.close()
    waiting = result.payment
    assert (waiting["status"], waiting["provider"]) == ("PENDING", "stripe")
    [seen] = http.get(f"/orders/{order['order_id']}/payments", headers=customer.headers).json()
    assert seen["next_action"]["type"] == "use_stripe_sdk"
    assert seen["next_action"]["client_secret"].startswith(f"{waiting['provider_ref']}_secret_")

    body, headers = signed(capturable(waiting), WEBHOOK_SECRET)
    first = webhook_api.post("/payments/webhooks/stripe", content=body, headers=headers)
    again = webhook_api.post("/payments/webhooks/stripe", content=body, headers=headers)

    assert first.status_code == 200, first.text
    assert first.json()["outcome"] == "payment_intent.amount_capturable_updated: SUCCEEDED"
    assert again.json()["outcome"] == "payment_intent.amount_capturable_updated: no change"
    captures = [r for r in fake.requests if r.path == f"/v1/payment_intents/{waiting['provider_ref']}/capture"]
    assert [r.headers["idempotency-key"] for r in captures] == [f"pizza-{waiting['payment_id']}-capture"]
    [paid] = http.get(f"/orders/{order['order_id']}/payments", headers=customer.headers).json()
    assert (paid["status"], paid["next_action"]) == ("SUCCEEDED", None)
    placed = http.get(f"/orders/{order['order_id']}", headers=customer.headers).json()
    assert placed["status"] == "PAID"
