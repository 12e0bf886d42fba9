"""Dependency providers of the payments domain: one gateway per worker, a service per request."""

from __future__ import annotations

from typing import Any, Unpack

from litestar.datastructures import State
from psycopg import AsyncConnection
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from api.db import Databases
from api.domain.payments.providers import PaymentGateway, build_gateway
from api.domain.payments.services import OrderMove, OrderStatusPort, PaymentService
from api.domain.payments.settings import PaymentSettings, get_payment_settings


class OrdersDomainPort:
    """The orders domain's state machine as the payment service sees it (actor ``system``)."""

    def __init__(self, db: Databases, mongo: AsyncDatabase[dict[str, Any]]) -> None:
        self.db, self.mongo = db, mongo

    async def change_in_tx(self, conn: AsyncConnection[Any], **move: Unpack[OrderMove]) -> object:
        from api.domain.orders import change_status_in_tx

        return await change_status_in_tx(
            conn,
            user_id=move["user_id"],
            order_id=move["order_id"],
            target=move["to_status"],
            actor="system",
            changed_by="system:payments",
            reason=move["reason"],
        )

    async def after_commit(self, change: object) -> None:
        from api.domain.coupons import CouponService
        from api.domain.orders import OrderService, StatusChangeResult
        from api.domain.orders.settings import get_order_settings

        if isinstance(change, StatusChangeResult):
            service = OrderService(self.db, self.mongo, CouponService(self.db), get_order_settings())
            await service.project(change.order, change.seq)


def build_payment_service(
    db: Databases,
    redis: Redis,
    mongo: AsyncDatabase[dict[str, Any]],
    *,
    settings: PaymentSettings | None = None,
    gateway: PaymentGateway | None = None,
    orders: OrderStatusPort | None = None,
) -> PaymentService:
    """The payment service wired to the real orders domain; what the saga's consumers build once per process."""
    settings = settings or get_payment_settings()
    return PaymentService(
        db, redis, gateway or build_gateway(settings), settings, orders or OrdersDomainPort(db, mongo)
    )


def provide_payment_service(state: State) -> PaymentService:
    """Per request, sharing the worker's gateway (its HTTP client keeps connections alive)."""
    settings = get_payment_settings()
    gateway: PaymentGateway | None = state.get("payment_gateway")
    if gateway is None:
        gateway = state.payment_gateway = build_gateway(settings)
    return build_payment_service(state.db, state.redis, state.mongo, settings=settings, gateway=gateway)
