from __future__ import annotations

import uuid

import pytest

from api.domain.payments.providers import ChargeRequest, GatewayUnavailable, SimulatedGateway, authentication_event
from api.domain.payments.settings import PaymentSettings

pytestmark = [pytest.mark.unit, pytest.mark.anyio]


def charge(amount_cents: int, user_id: uuid.UUID | None = None) -> ChargeRequest:
    return ChargeRequest(uuid.uuid4(), uuid.uuid4(), user_id or uuid.uuid4(), amount_cents, "EUR")


async def test_an_ordinary_amount_is_authorized_with_a_card_fingerprint() -> None:
    gateway = SimulatedGateway(PaymentSettings())
    auth = await gateway.authorize(charge(2450))
    assert auth.status == "authorized"
    assert auth.provider_ref
    assert auth.provider_ref.startswith("sim_pi_")
    assert auth.card_fingerprint
    assert not auth.elevated_risk
    assert await gateway.capture(charge(2450), auth.provider_ref) == "succeeded"


async def test_amount_ending_in_13_cents_is_declined() -> None:
    auth = await SimulatedGateway(PaymentSettings()).authorize(charge(1913))
    assert auth.status == "declined"
    assert auth.decline_reason == "card_declined"


async def test_amount_ending_in_17_cents_times_out() -> None:
    with pytest.raises(GatewayUnavailable):
        await SimulatedGateway(PaymentSettings()).authorize(charge(2017))


async def test_amount_ending_in_42_cents_is_flagged_by_the_gateway() -> None:
    auth = await SimulatedGateway(PaymentSettings()).authorize(charge(3142))
    assert auth.status == "authorized"
    assert auth.elevated_risk


async def test_outcomes_are_configurable_and_can_be_switched_off() -> None:
    gateway = SimulatedGateway(PaymentSettings(sim_decline_cents=None, sim_timeout_cents=99))
    assert (await gateway.authorize(charge(1913))).status == "authorized"
    with pytest.raises(GatewayUnavailable):
        await gateway.authorize(charge(1999))


def test_rates_decide_the_same_way_for_the_same_payment_and_roughly_match_the_share() -> None:
    gateway = SimulatedGateway(
        PaymentSettings(sim_decline_cents=None, sim_timeout_cents=None, sim_fraud_cents=None, sim_decline_rate=0.3)
    )
    charges = [charge(2000) for _ in range(2000)]
    outcomes = [gateway.outcome(c) for c in charges]
    assert outcomes == [gateway.outcome(c) for c in charges]  # deterministic per payment
    share = outcomes.count("decline") / len(outcomes)
    assert 0.25 < share < 0.35
    assert set(outcomes) == {"approve", "decline"}


async def test_refs_repeat_for_a_repeated_key_like_a_real_idempotent_gateway() -> None:
    gateway = SimulatedGateway(PaymentSettings())
    request = charge(1500)
    first, second = await gateway.authorize(request), await gateway.authorize(request)
    assert first.provider_ref == second.provider_ref
    assert (await gateway.refund(request, "x")).provider_ref == (await gateway.refund(request, "x")).provider_ref


async def test_one_customer_has_one_simulated_card() -> None:
    gateway = SimulatedGateway(PaymentSettings())
    user = uuid.uuid4()
    a, b = await gateway.authorize(charge(1000, user)), await gateway.authorize(charge(2000, user))
    other = await gateway.authorize(charge(1000))
    assert a.card_fingerprint == b.card_fingerprint != other.card_fingerprint


async def test_the_designated_payment_method_needs_3ds_like_stripes_test_card() -> None:
    gateway = SimulatedGateway(PaymentSettings())
    request = ChargeRequest(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), 2450, "EUR", "pm_card_authenticationRequired")
    auth = await gateway.authorize(request)
    again = await gateway.authorize(request)
    assert auth.status == "requires_action"
    assert auth.action is not None
    assert auth.action.kind == "use_stripe_sdk"
    assert auth.action.client_secret.startswith(f"{auth.provider_ref}_secret_")
    assert again == auth  # a retry of the same payment gets the same intent and secret
    assert (await gateway.authorize(charge(2450))).status == "authorized"  # no method named: no 3-D Secure


async def test_3ds_by_amount_only_when_configured() -> None:
    assert (await SimulatedGateway(PaymentSettings()).authorize(charge(2431))).status == "authorized"
    assert (await SimulatedGateway(PaymentSettings(sim_3ds_cents=31)).authorize(charge(2431))).status == (
        "requires_action"
    )


def test_the_authentication_webhook_is_the_one_stripe_sends_for_a_manual_capture_intent() -> None:
    payment = {"payment_id": uuid.uuid4(), "user_id": uuid.uuid4(), "provider_ref": "sim_pi_x", "amount_cents": 2431,
               "currency": "EUR"}  # fmt: skip
    passed, failed = authentication_event(payment, succeeded=True), authentication_event(payment, succeeded=False)
    assert passed["type"] == "payment_intent.amount_capturable_updated"
    assert passed["data"]["object"]["status"] == "requires_capture"
    assert passed["data"]["object"]["metadata"] == {"user_id": str(payment["user_id"]),
                                                    "payment_id": str(payment["payment_id"])}  # fmt: skip
    assert failed["type"] == "payment_intent.payment_failed"
    assert failed["data"]["object"]["last_payment_error"]["code"] == "payment_intent_authentication_failure"
    assert passed["id"] != failed["id"]
    assert authentication_event(payment, succeeded=True)["id"] == passed["id"]  # a redelivery, not a new event
