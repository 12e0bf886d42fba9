"""Payments: gateways (simulated, Stripe), fraud rules, the payment service of the order saga, webhooks."""

from api.domain.payments.controllers import payment_controllers
from api.domain.payments.deps import OrdersDomainPort, build_payment_service
from api.domain.payments.services import OrderStatusPort, PaymentResult, PaymentService
from api.domain.payments.settings import get_payment_settings

controllers = payment_controllers(get_payment_settings().provider)  # the Stripe webhook only with Stripe
__all__ = [
    "OrderStatusPort",
    "OrdersDomainPort",
    "PaymentResult",
    "PaymentService",
    "build_payment_service",
    "controllers",
]
