"""Dependency providers of the coupons domain."""

from __future__ import annotations

from api.db import Databases
from api.domain.coupons.services import CouponService


def provide_coupon_service(db: Databases) -> CouponService:
    return CouponService(db)
