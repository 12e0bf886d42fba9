"""Historical order import (admin): orders of the past, with their whole lifecycle and timestamps.

For migrations from a legacy system, partner back-fills and the demo's history. An import goes
through the same pricing, shard routing, tables and restaurant projection as a live order, but it
is a record of facts, not a command: it writes no outbox events, so no payment is taken and nobody
is notified. Analytics sees imported orders through CDC row changes like any other write.
Idempotent per ``external_id``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from litestar import Controller, post
from litestar.di import Provide
from litestar.status_codes import HTTP_201_CREATED
from msgspec import Meta, Struct

from api.domain.orders.deps import provide_order_service
from api.domain.orders.idempotency import request_hash
from api.domain.orders.pricing import CartLine, Menu, PricingError, price_lines, subtotal, totals
from api.domain.orders.repositories import NewOrder, OrderRepository, menu_document, restaurant_for_order
from api.domain.orders.schemas import Cart
from api.domain.orders.services import OrderService, load_order
from api.domain.orders.states import TRANSITIONS
from api.lib.auth import require_roles
from api.lib.errors import ConflictError, UnprocessableError
from pizza.contracts.events import OrderStatus
from pizza.ids import new_id

MAX_AGE = timedelta(days=330)  # partitions exist 12 months back (pg_partman premake in the past)


class HistoricalStep(Struct, forbid_unknown_fields=True):
    status: OrderStatus
    at: datetime


class OrderImport(Struct, forbid_unknown_fields=True):
    external_id: Annotated[str, Meta(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")]
    user_id: uuid.UUID
    cart: Cart
    placed_at: datetime
    timeline: Annotated[list[HistoricalStep], Meta(max_length=12)] = []
    payment: Literal["succeeded", "failed", "none"] = "none"


class ImportedOrder(Struct):
    order_id: uuid.UUID
    status: OrderStatus
    created: bool


def check_timeline(placed_at: datetime, steps: list[HistoricalStep], now: datetime) -> list[HistoricalStep]:
    """Legal transitions (by the state machine's table) at increasing instants in the past."""
    if placed_at.tzinfo is None:
        raise UnprocessableError("`placed_at` needs a time zone offset")
    if not now - MAX_AGE <= placed_at <= now:
        raise UnprocessableError(f"`placed_at` must lie in the last {MAX_AGE.days} days")
    current: OrderStatus = "PENDING"
    previous = placed_at
    for step in steps:
        if step.at.tzinfo is None or not previous <= step.at <= now:
            raise UnprocessableError(f"the {step.status} step must come after the previous one and not in the future")
        if (current, step.status) not in TRANSITIONS:
            raise UnprocessableError(f"an order in {current} cannot become {step.status}")
        current, previous = step.status, step.at
    return steps


async def import_order(service: OrderService, data: OrderImport) -> ImportedOrder:
    now = datetime.now(UTC)
    steps = check_timeline(data.placed_at, data.timeline, now)
    async with service.db.catalog.connection() as conn:
        restaurant = await restaurant_for_order(conn, data.cart.restaurant_id)
    document = await menu_document(service.mongo, data.cart.restaurant_id)
    if restaurant is None or document is None:
        raise UnprocessableError(f"there is no restaurant with a menu {data.cart.restaurant_id}")
    if data.cart.address is None:
        raise UnprocessableError("imports carry the delivery `address` inline")
    try:
        lines = price_lines(
            Menu.from_document(document),
            [CartLine(i.menu_item_id, i.quantity, i.size, tuple(i.toppings)) for i in data.cart.items],
        )
    except PricingError as exc:
        raise UnprocessableError(str(exc), title="Cannot price the imported cart") from exc
    address: dict[str, Any] = {f: getattr(data.cart.address, f) for f in type(data.cart.address).__struct_fields__}
    _, fee = service._delivery(restaurant, lines, address)
    result = totals(subtotal(lines), 0, fee)
    key, fingerprint = f"import:{data.external_id}", request_hash(data.cart)
    order_id = new_id(data.placed_at)
    async with service.db.user_tx(data.user_id) as conn:
        repo = OrderRepository(conn)
        user = await (await conn.execute("SELECT 1 FROM users WHERE user_id = %s", (data.user_id,))).fetchone()
        if user is None:
            raise UnprocessableError(f"there is no user {data.user_id}")
        if not await repo.claim_key(data.user_id, key, fingerprint, order_id):
            holder = await repo.key_holder(data.user_id, key)
            if holder is None or holder["request_hash"] != fingerprint:
                raise ConflictError(f"external id {data.external_id} was imported with another cart")
            return ImportedOrder(order_id=holder["order_id"], status="PENDING", created=False)
        await repo.insert_order(NewOrder(
            order_id=order_id, created_at=data.placed_at, user_id=data.user_id,
            restaurant_id=data.cart.restaurant_id, currency=restaurant["currency"],
            subtotal_cents=result.subtotal_cents, discount_cents=0, delivery_fee_cents=result.delivery_fee_cents,
            total_cents=result.total_cents, coupon_code=None, city=restaurant["city"], delivery_address=address,
            idempotency_key=key, request_hash=fingerprint,
        ), lines)  # fmt: skip
        seq = await repo.add_history(order_id, None, "PENDING", "import", data.placed_at)
        current: OrderStatus = "PENDING"
        for step in steps:
            seq = await repo.add_history(order_id, current, step.status, "import", step.at)
            await repo.set_status(order_id, data.placed_at, step.status, None, step.at)
            current = step.status
        if data.payment != "none":
            paid_at = next((s.at for s in steps), data.placed_at)
            status = {"succeeded": "SUCCEEDED", "failed": "FAILED"}[data.payment]
            if data.payment == "succeeded" and current == "REFUNDED":
                status = "REFUNDED"
            await conn.execute(
                """INSERT INTO payments (payment_id, order_id, user_id, amount_cents, currency, status, provider,
                       method, created_at, updated_at)
                   VALUES (%s, %s, %s, %s, %s, %s, 'import', 'card', %s, %s)""",
                (new_id(paid_at), order_id, data.user_id, result.total_cents, restaurant["currency"], status,
                 paid_at, steps[-1].at if steps else paid_at),
            )  # fmt: skip
        row = await repo.get(order_id, data.placed_at)
        assert row is not None
        order = await load_order(repo, row)
    await service.project(order, seq)
    return ImportedOrder(order_id=order_id, status=current, created=True)


class OrderImportController(Controller):
    path = "/admin/orders"
    tags = ["orders"]
    dependencies = {"orders": Provide(provide_order_service, sync_to_thread=False)}
    guards = [require_roles("admin")]

    @post(
        "/import",
        operation_id="ImportOrder",
        status_code=HTTP_201_CREATED,
        summary="Import a historical order with its lifecycle (admin; no events are emitted)",
    )
    async def import_(self, orders: OrderService, data: OrderImport) -> ImportedOrder:
        return await import_order(orders, data)
