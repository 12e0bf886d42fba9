"""Dependency providers of the ordering domain."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from api.db import Databases
from api.domain.coupons import CouponService
from api.domain.orders.refund_caps import RefundCaps
from api.domain.orders.services import OrderService, RefundDecisions
from api.domain.orders.settings import get_order_settings
from api.domain.payments.settings import get_payment_settings


def staff_refund_caps() -> RefundCaps:
    """The caps on staff refunds, configured with the other payment limits (``PIZZA_PAYMENTS_STAFF_REFUND_*``)."""
    settings = get_payment_settings()
    return RefundCaps(settings.staff_refund_cap_cents, settings.staff_refund_daily_cap_cents)


def provide_order_service(db: Databases, mongo: AsyncDatabase[dict[str, Any]]) -> OrderService:
    return OrderService(db, mongo, CouponService(db), get_order_settings(), staff_refund_caps())


def provide_refund_decisions(db: Databases, mongo: AsyncDatabase[dict[str, Any]]) -> RefundDecisions:
    return RefundDecisions(provide_order_service(db, mongo))
