"""Payments over HTTP: an order's payments, the fraud-review queue, and Stripe's webhook."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK

from api.domain.payments.deps import provide_payment_service
from api.domain.payments.schemas import OrderPayment, Payment, PaymentReview, WebhookReceipt
from api.domain.payments.services import PaymentService
from api.domain.payments.settings import get_payment_settings
from api.domain.payments.webhooks import InvalidWebhook, verify_stripe_event
from api.lib.auth import CurrentUser, require_roles
from api.lib.errors import DomainError, NotFoundError
from pizza.logs import get_logger

log = get_logger(__name__)


class InvalidSignatureError(
    DomainError, status=400, problem="invalid-webhook-signature", title="Invalid webhook signature"
):
    """A webhook whose signature does not verify: nothing in its body is trusted."""


class PaymentController(Controller):
    tags = ["payments"]
    dependencies = {"payments": Provide(provide_payment_service, sync_to_thread=False)}

    @get(
        "/orders/{order_id:uuid}/payments",
        operation_id="ListOrderPayments",
        summary="The payments of an order (its customer, or an admin); fraud details are on the admin routes",
        guards=[require_roles("customer")],
    )
    async def list_order_payments(
        self, order_id: uuid.UUID, payments: PaymentService, request: Request[CurrentUser, Any, Any]
    ) -> list[OrderPayment]:
        user = request.user
        rows = await payments.for_order(order_id, None if user.is_admin else user.user_id)
        if not rows and not user.is_admin:
            raise NotFoundError(f"no payment for order {order_id}")
        actions = {} if user.is_admin else await payments.actions_for(user.user_id, [r["payment_id"] for r in rows])
        return [OrderPayment.from_row(r, actions.get(r["payment_id"])) for r in rows]


class PaymentAdminController(Controller):
    path = "/admin/payments"
    tags = ["payments", "admin"]
    guards = [require_roles("admin")]
    dependencies = {"payments": Provide(provide_payment_service, sync_to_thread=False)}

    @get("/reviews", operation_id="ListPaymentsInReview", summary="Payments held by the fraud rules, oldest first")
    async def list_reviews(self, payments: PaymentService, limit: int = 100) -> list[Payment]:
        return [Payment.from_row(r) for r in await payments.in_review(min(max(limit, 1), 500))]

    @get("/{payment_id:uuid}", operation_id="GetPayment", summary="One payment with its fraud score and review")
    async def get_payment(self, payment_id: uuid.UUID, payments: PaymentService) -> Payment:
        return Payment.from_row(await payments.find(payment_id))

    @post(
        "/{payment_id:uuid}/review",
        operation_id="ReviewPayment",
        summary="Approve (capture) or reject (release) a payment held for review",
        status_code=HTTP_200_OK,
    )
    async def review(
        self,
        payment_id: uuid.UUID,
        data: PaymentReview,
        payments: PaymentService,
        request: Request[CurrentUser, Any, Any],
    ) -> Payment:
        payment = await payments.find(payment_id)
        result = await payments.review(payment, data.decision, request.user.user_id)
        return Payment.from_row(result.payment)


class StripeWebhookController(Controller):
    """Mounted only while Stripe is the gateway: with the simulated one there is no Stripe to send events,
    and an endpoint that exists can be probed and forged against."""

    tags = ["payments"]
    dependencies = {"payments": Provide(provide_payment_service, sync_to_thread=False)}

    @post(
        "/payments/webhooks/stripe",
        operation_id="ReceiveStripeWebhook",
        summary="Stripe events, verified with the endpoint's signing secret",
        status_code=HTTP_200_OK,
        opt={"exclude_from_auth": True},
    )
    async def stripe_webhook(
        self,
        request: Request[Any, Any, Any],
        payments: PaymentService,
        stripe_signature: Annotated[
            str, Parameter(header="Stripe-Signature", description="t=<unix time>,v1=<HMAC-SHA256 of t.body>")
        ],
    ) -> WebhookReceipt:
        settings = get_payment_settings()
        try:
            event = verify_stripe_event(
                await request.body(),
                stripe_signature,
                settings.stripe_webhook_secret.get_secret_value(),
                settings.stripe_webhook_tolerance_seconds,
            )
        except InvalidWebhook as exc:
            log.warning("stripe webhook rejected", error=str(exc))
            raise InvalidSignatureError(str(exc)) from exc
        outcome = await payments.apply_stripe_event(event)
        log.info("stripe webhook", stripe_event=event.get("id"), type=event.get("type"), outcome=outcome)
        return WebhookReceipt(received=True, outcome=outcome)


def payment_controllers(provider: str) -> list[type[Controller]]:
    """The payment routes for the configured gateway (the webhook only with Stripe)."""
    base: list[type[Controller]] = [PaymentController, PaymentAdminController]
    return [*base, StripeWebhookController] if provider == "stripe" else base
