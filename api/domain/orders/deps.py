"""Dependency providers of the ordering domain."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from api.db import Databases
from api.domain.coupons import CouponService
from api.domain.orders.services import OrderService
from api.domain.orders.settings import get_order_settings


def provide_order_service(db: Databases, mongo: AsyncDatabase[dict[str, Any]]) -> OrderService:
    return OrderService(db, mongo, CouponService(db), get_order_settings())
