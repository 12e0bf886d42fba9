"""Payments: gateways (simulated, Stripe), fraud rules, the payment service of the order saga, webhooks."""

from api.domain.payments.controllers import PaymentAdminController, PaymentController
from api.domain.payments.deps import build_payment_service
from api.domain.payments.services import OrderTransition, PaymentResult, PaymentService

controllers = [PaymentController, PaymentAdminController]
__all__ = ["OrderTransition", "PaymentResult", "PaymentService", "build_payment_service", "controllers"]
