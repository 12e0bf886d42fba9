"""Dependency providers of the payments domain: one gateway per worker, a service per request."""

from __future__ import annotations

import uuid
from typing import Any

from litestar.datastructures import State
from psycopg import AsyncConnection

from api.domain.payments.providers import PaymentGateway, build_gateway
from api.domain.payments.services import OrderTransition, PaymentService
from api.domain.payments.settings import PaymentSettings, get_payment_settings
from pizza.contracts.events import OrderStatus


async def orders_transition(
    conn: AsyncConnection[Any], order_id: uuid.UUID, user_id: uuid.UUID, to_status: OrderStatus, reason: str
) -> None:
    """The orders domain's system transition (PENDING -> PAID / CANCELLED), in the payment's transaction."""
    from api.domain.orders import apply_system_transition  # type: ignore[attr-defined]

    await apply_system_transition(conn, order_id, user_id, to_status, reason)


def gateway_for(state: State, settings: PaymentSettings) -> PaymentGateway:
    """The worker's gateway, built on first use (its HTTP client keeps connections alive)."""
    gateway: PaymentGateway | None = state.get("payment_gateway")
    if gateway is None:
        gateway = build_gateway(settings)
        state.payment_gateway = gateway
    return gateway


def build_payment_service(
    state: State, settings: PaymentSettings | None = None, transition: OrderTransition = orders_transition
) -> PaymentService:
    settings = settings or get_payment_settings()
    return PaymentService(state.db, state.redis, gateway_for(state, settings), settings, transition)


def provide_payment_service(state: State) -> PaymentService:
    return build_payment_service(state)
