"""Payments: gateways (simulated, Stripe), fraud rules, the payment service of the order saga, webhooks."""

from api.domain.payments.controllers import PaymentAdminController, PaymentController
from api.domain.payments.deps import OrdersDomainPort, build_payment_service
from api.domain.payments.services import OrderStatusPort, PaymentResult, PaymentService

controllers = [PaymentController, PaymentAdminController]
__all__ = [
    "OrderStatusPort",
    "OrdersDomainPort",
    "PaymentResult",
    "PaymentService",
    "build_payment_service",
    "controllers",
]
