"""The Stripe adapter against a local server speaking Stripe's form-encoded API (the SDK's api_base points at it)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from payments_doubles import AUTHENTICATION_REQUIRED, FakeStripe
from pydantic import SecretStr

from api.domain.payments.providers import ChargeRequest, GatewayError, GatewayUnavailable, StripeGateway
from api.domain.payments.settings import PaymentSettings

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


@pytest.fixture
async def gateway(fake_stripe: FakeStripe) -> AsyncIterator[StripeGateway]:
    settings = PaymentSettings(
        provider="stripe",
        stripe_api_key=SecretStr("sk_test_local123"),
        stripe_api_base=fake_stripe.url,
        stripe_default_payment_method="pm_card_visa",
    )
    gw = StripeGateway(settings)
    yield gw
    await gw.close()


def charge(amount_cents: int = 2599) -> ChargeRequest:
    return ChargeRequest(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), amount_cents, "EUR")


async def test_authorize_creates_a_confirmed_manual_capture_intent(
    gateway: StripeGateway, fake_stripe: FakeStripe
) -> None:
    request = charge()
    auth = await gateway.authorize(request)

    assert auth.status == "authorized"
    assert auth.provider_ref is not None
    assert auth.provider_ref.startswith("pi_")
    assert auth.card_fingerprint == "Fpd_visa"
    assert auth.method == "card"
    assert not auth.elevated_risk
    [sent] = fake_stripe.requests
    assert sent.path == "/v1/payment_intents"
    assert sent.headers["authorization"] == "Bearer sk_test_local123"
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    assert sent.headers["idempotency-key"] == f"pizza-{request.payment_id}-authorize"
    assert sent.form["amount"] == "2599"
    assert sent.form["currency"] == "eur"
    assert sent.form["confirm"] == "true"
    assert sent.form["capture_method"] == "manual"
    assert sent.form["payment_method"] == "pm_card_visa"
    assert sent.form["payment_method_types[0]"] == "card"
    assert sent.form["expand[0]"] == "latest_charge"
    assert sent.form["metadata[order_id]"] == str(request.order_id)
    assert sent.form["metadata[user_id]"] == str(request.user_id)
    assert sent.form["metadata[payment_id]"] == str(request.payment_id)
    assert not any("card[" in name or "number" in name for name in sent.form)  # never card data


@pytest.mark.parametrize(
    ("cents", "currency", "sent"), [(1500, "USD", "1500"), (150000, "JPY", "1500"), (125, "BHD", "1250")]
)
async def test_stripe_gets_the_amount_in_the_currencys_smallest_unit(
    gateway: StripeGateway, fake_stripe: FakeStripe, cents: int, currency: str, sent: str
) -> None:
    await gateway.authorize(ChargeRequest(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), cents, currency))
    [request] = fake_stripe.requests
    assert (request.form["amount"], request.form["currency"]) == (sent, currency.lower())


async def test_a_fraction_of_a_yen_is_refused_before_anything_is_sent(
    gateway: StripeGateway, fake_stripe: FakeStripe
) -> None:
    with pytest.raises(GatewayError, match="not a whole number"):
        await gateway.authorize(ChargeRequest(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), 150050, "JPY"))
    assert fake_stripe.requests == []


async def test_capture_cancel_and_refund_each_carry_their_own_idempotency_key(
    gateway: StripeGateway, fake_stripe: FakeStripe
) -> None:
    request = charge()
    auth = await gateway.authorize(request)
    assert auth.provider_ref is not None
    assert await gateway.capture(request, auth.provider_ref) == "succeeded"
    refund = await gateway.refund(request, auth.provider_ref)
    await gateway.cancel(request, auth.provider_ref, "abandoned")

    assert refund.provider_ref.startswith("re_")
    assert refund.status == "succeeded"
    capture, refund_req, cancel = fake_stripe.requests[1:]
    assert capture.path == f"/v1/payment_intents/{auth.provider_ref}/capture"
    assert capture.headers["idempotency-key"] == f"pizza-{request.payment_id}-capture"
    assert refund_req.path == "/v1/refunds"
    assert refund_req.form["payment_intent"] == auth.provider_ref
    assert refund_req.form["reason"] == "requested_by_customer"
    assert refund_req.headers["idempotency-key"] == f"pizza-{request.payment_id}-refund"
    assert cancel.path == f"/v1/payment_intents/{auth.provider_ref}/cancel"
    assert cancel.form["cancellation_reason"] == "abandoned"
    assert cancel.headers["idempotency-key"] == f"pizza-{request.payment_id}-cancel"


async def test_a_card_error_is_a_decline_with_stripes_reason(gateway: StripeGateway) -> None:
    auth = await gateway.authorize(charge(1913))
    assert auth.status == "declined"
    assert auth.decline_reason == "insufficient_funds"
    assert auth.provider_ref is not None
    assert auth.provider_ref.startswith("pi_")


async def test_radars_elevated_risk_reaches_the_fraud_rules(gateway: StripeGateway) -> None:
    auth = await gateway.authorize(charge(3142))
    assert auth.status == "authorized"
    assert auth.elevated_risk


async def test_a_5xx_is_retryable_and_the_retry_is_replayed_from_the_same_key(
    gateway: StripeGateway, fake_stripe: FakeStripe
) -> None:
    request = charge()
    fake_stripe.failures_left = 1
    with pytest.raises(GatewayUnavailable):
        await gateway.authorize(request)
    first = await gateway.authorize(request)
    again = await gateway.authorize(request)
    assert first.provider_ref == again.provider_ref  # one intent, however often we ask
    assert {r.headers["idempotency-key"] for r in fake_stripe.requests} == {f"pizza-{request.payment_id}-authorize"}


async def test_an_unreachable_stripe_is_retryable() -> None:
    settings = PaymentSettings(provider="stripe", stripe_api_base="http://127.0.0.1:9", stripe_timeout_seconds=2)
    gw = StripeGateway(settings)
    try:
        with pytest.raises(GatewayUnavailable):
            await gw.authorize(charge())
    finally:
        await gw.close()


async def test_an_unknown_intent_is_a_final_error_not_retried(gateway: StripeGateway) -> None:
    with pytest.raises(GatewayError, match="No such intent") as info:
        await gateway.capture(charge(), "pi_does_not_exist")
    assert not isinstance(info.value, GatewayUnavailable)


async def test_a_card_needing_3ds_is_confirmed_on_session_and_hands_the_client_secret_on(
    gateway: StripeGateway, fake_stripe: FakeStripe
) -> None:
    request = ChargeRequest(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), 2599, "EUR", AUTHENTICATION_REQUIRED)
    auth = await gateway.authorize(request)

    [sent] = fake_stripe.requests
    assert "off_session" not in sent.form  # off-session, Stripe would decline with authentication_required
    assert "return_url" not in sent.form
    assert auth.status == "requires_action"
    assert auth.provider_ref is not None
    assert auth.action is not None
    assert auth.action.kind == "use_stripe_sdk"
    assert auth.action.client_secret.startswith(f"{auth.provider_ref}_secret_")
    assert auth.action.redirect_url is None


async def test_with_a_return_url_3ds_is_a_redirect(fake_stripe: FakeStripe) -> None:
    settings = PaymentSettings(
        provider="stripe",
        stripe_api_key=SecretStr("sk_test_local123"),
        stripe_api_base=fake_stripe.url,
        stripe_return_url="https://pizza.example/checkout/return",
    )
    gw = StripeGateway(settings)
    try:
        auth = await gw.authorize(
            ChargeRequest(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), 1800, "EUR", AUTHENTICATION_REQUIRED)
        )
    finally:
        await gw.close()
    [sent] = fake_stripe.requests
    assert sent.form["return_url"] == "https://pizza.example/checkout/return"
    assert auth.status == "requires_action"
    assert auth.action is not None
    assert auth.action.kind == "redirect_to_url"
    assert auth.action.redirect_url == f"https://hooks.stripe.test/3ds/{auth.provider_ref}"


async def test_an_ordinary_card_still_authorizes_without_action(gateway: StripeGateway) -> None:
    auth = await gateway.authorize(charge())
    assert (auth.status, auth.action) == ("authorized", None)
