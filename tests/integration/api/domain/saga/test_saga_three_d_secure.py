"""3-D Secure on the real stack: a payment waits on its customer, the saga waits under its payment deadline,
and the provider's webhook (as the simulated gateway builds it, applied by the webhook's own path) resumes it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from saga_world import THREE_D_SECURE_CENTS, SagaWorld

from api.domain.payments.providers import authentication_event

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

OrderOf = Callable[..., tuple[Any, dict[str, Any]]]


def payment(world: SagaWorld, user_id: uuid.UUID, order_id: str) -> dict[str, Any]:
    row = world.row(user_id, "SELECT * FROM payments WHERE order_id = %s", (order_id,))
    assert row is not None
    return row


def waiting_actions(world: SagaWorld, user_id: uuid.UUID, payment_id: uuid.UUID) -> int:
    return len(world.rows(user_id, "SELECT 1 FROM payment_actions WHERE payment_id = %s", (payment_id,)))


def order_status(world: SagaWorld, user_id: uuid.UUID, order_id: str) -> str:
    row = world.row(user_id, "SELECT status FROM orders WHERE order_id = %s", (order_id,))
    assert row is not None
    return str(row["status"])


def payments_view(http: httpx.Client, order_id: str, headers: dict[str, str]) -> httpx.Response:
    return http.get(f"/orders/{order_id}/payments", headers=headers)


async def test_a_payment_waits_for_3ds_shows_the_customer_what_to_do_and_resumes_on_the_webhook(
    world: SagaWorld, customer: Any, admin: Any, make_user: Callable[..., Any], http: httpx.Client, order_of: OrderOf
) -> None:
    _, order = order_of(customer, THREE_D_SECURE_CENTS)
    oid, uid = order["order_id"], customer.user_id
    await world.pump(uid, oid)
    saga = await world.saga(uid, oid)
    assert (saga.state, saga.deadline_kind) == ("PAYMENT_PENDING", "payment")
    waiting = payment(world, uid, oid)
    assert waiting["status"] == "PENDING"
    assert waiting["provider_ref"].startswith("sim_pi_")

    response = payments_view(http, oid, customer.headers)
    assert response.status_code == 200, response.text
    [seen] = response.json()
    assert seen["status"] == "PENDING"
    assert seen["next_action"]["type"] == "use_stripe_sdk"
    assert seen["next_action"]["client_secret"].startswith(f"{waiting['provider_ref']}_secret_")
    assert seen["next_action"]["redirect_url"] is None
    [as_admin] = payments_view(http, oid, admin.headers).json()
    assert as_admin["next_action"] is None  # the client secret is the customer's alone
    assert payments_view(http, oid, make_user("customer").headers).status_code == 404

    forged = authentication_event(waiting | {"amount_cents": waiting["amount_cents"] - 100}, succeeded=True)
    assert await world.participants.payments.apply_stripe_event(forged) == "rejected: amount does not match the payment"
    other = authentication_event(waiting | {"provider_ref": "pi_someone_else"}, succeeded=True)
    assert await world.participants.payments.apply_stripe_event(other) == (
        "rejected: payment intent does not match the payment"
    )
    assert payment(world, uid, oid)["status"] == "PENDING"

    event = authentication_event(waiting, succeeded=True)
    outcome = await world.participants.payments.apply_stripe_event(event)
    assert outcome == "payment_intent.amount_capturable_updated: SUCCEEDED"
    assert await world.participants.payments.apply_stripe_event(event) == (
        "payment_intent.amount_capturable_updated: no change"
    )
    await world.pump(uid, oid)
    saga = await world.saga(uid, oid)
    assert (saga.state, saga.order_status) == ("AWAITING_KITCHEN", "PAID")
    assert waiting_actions(world, uid, waiting["payment_id"]) == 0
    [paid] = payments_view(http, oid, customer.headers).json()
    assert (paid["status"], paid["next_action"]) == ("SUCCEEDED", None)


async def test_a_failed_authentication_fails_the_payment_and_cancels_the_order(
    world: SagaWorld, customer: Any, order_of: OrderOf
) -> None:
    _, order = order_of(customer, THREE_D_SECURE_CENTS)
    oid, uid = order["order_id"], customer.user_id
    await world.pump(uid, oid)
    waiting = payment(world, uid, oid)

    outcome = await world.participants.payments.apply_stripe_event(authentication_event(waiting, succeeded=False))
    assert outcome == "payment_intent.payment_failed: FAILED"
    await world.pump(uid, oid)
    saga = await world.saga(uid, oid)
    assert (saga.state, saga.reason) == ("CANCELLED", "payment failed: payment_intent_authentication_failure")
    assert order_status(world, uid, oid) == "CANCELLED"
    assert waiting_actions(world, uid, waiting["payment_id"]) == 0


async def test_a_customer_who_never_authenticates_is_cancelled_at_the_payment_deadline(
    world: SagaWorld, customer: Any, order_of: OrderOf
) -> None:
    _, order = order_of(customer, THREE_D_SECURE_CENTS)
    oid, uid = order["order_id"], customer.user_id
    await world.pump(uid, oid)
    waiting = payment(world, uid, oid)
    assert waiting_actions(world, uid, waiting["payment_id"]) == 1

    await world.wake(3600)
    saga = await world.saga(uid, oid)
    assert (saga.state, saga.reason) == ("CANCELLED", "no payment outcome within 3600 s")
    assert order_status(world, uid, oid) == "CANCELLED"
    voided = payment(world, uid, oid)
    assert voided["status"] == "FAILED"
    assert voided["failure_reason"].startswith("voided: ")
    assert waiting_actions(world, uid, waiting["payment_id"]) == 0
    late = await world.participants.payments.apply_stripe_event(authentication_event(waiting, succeeded=True))
    assert late == "payment_intent.amount_capturable_updated: no change"  # too late: the order is gone
    assert payment(world, uid, oid)["status"] == "FAILED"
