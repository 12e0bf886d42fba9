"""Coupons: percentage or fixed discounts with city, first-order, minimum-subtotal, validity and usage limits."""

from api.domain.coupons.controllers import CouponController
from api.domain.coupons.rules import CouponContext
from api.domain.coupons.services import CouponService

controllers = [CouponController]
__all__ = ["CouponContext", "CouponService", "controllers"]
