"""Rows to wire types and events: how a stored or freshly placed order is represented."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from api.domain.orders import schemas
from api.domain.orders.pagination import Position
from api.domain.orders.pricing import PricedLine, Totals
from api.domain.orders.repositories import NewOrder, OrderRepository, Row
from api.lib.auth import CurrentUser
from pizza.contracts.events import OrderCreated, OrderLine


async def load_order(repo: OrderRepository, row: Row) -> schemas.Order:
    """The full order (items and status history) from its ``orders`` row."""
    items = await repo.items(row["order_id"], row["created_at"])
    history = await repo.history(row["order_id"])
    return schemas.Order(
        order_id=row["order_id"],
        user_id=row["user_id"],
        restaurant_id=row["restaurant_id"],
        status=row["status"],
        currency=row["currency"],
        subtotal_cents=row["subtotal_cents"],
        discount_cents=row["discount_cents"],
        delivery_fee_cents=row["delivery_fee_cents"],
        total_cents=row["total_cents"],
        city=row["city"],
        delivery_address=schemas.DeliveryAddress(**row["delivery_address"]),
        items=[
            schemas.PricedItem(
                line_no=i["line_no"], menu_item_id=i["menu_item_id"], name=i["name"], size=i["size"],
                toppings=list(i["toppings"]), quantity=i["quantity"], unit_price_cents=i["unit_price_cents"],
                line_total_cents=i["line_total_cents"],
            )
            for i in items
        ],
        history=[
            schemas.StatusEntry(seq=h["seq"], from_status=h["from_status"], to_status=h["to_status"],
                                changed_at=h["changed_at"], reason=h["reason"], changed_by=h["changed_by"])
            for h in history
        ],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        coupon_code=row["coupon_code"],
        estimated_ready_at=row["estimated_ready_at"],
    )  # fmt: skip


def priced_item(line: PricedLine) -> schemas.PricedItem:
    return schemas.PricedItem(
        line_no=line.line_no,
        menu_item_id=line.menu_item_id,
        name=line.name,
        size=line.size,
        toppings=list(line.toppings),
        quantity=line.quantity,
        unit_price_cents=line.unit_price_cents,
        line_total_cents=line.line_total_cents,
    )


def new_order(
    order_id: uuid.UUID, created_at: datetime, user: CurrentUser, restaurant: Row, result: Totals,
    coupon_code: str | None, address: dict[str, Any], key: str, fingerprint: str,
) -> NewOrder:  # fmt: skip
    return NewOrder(
        order_id=order_id,
        created_at=created_at,
        user_id=user.user_id,
        restaurant_id=restaurant["restaurant_id"],
        currency=restaurant["currency"],
        subtotal_cents=result.subtotal_cents,
        discount_cents=result.discount_cents,
        delivery_fee_cents=result.delivery_fee_cents,
        total_cents=result.total_cents,
        coupon_code=coupon_code,
        city=restaurant["city"],
        delivery_address=address,
        idempotency_key=key,
        request_hash=fingerprint,
    )


def placed_order(order: NewOrder, lines: list[PricedLine], changed_by: str) -> schemas.Order:
    """The order as just written, built from memory (no read-back inside the hot transaction)."""
    return schemas.Order(
        order_id=order.order_id,
        user_id=order.user_id,
        restaurant_id=order.restaurant_id,
        status="PENDING",
        currency=order.currency,
        subtotal_cents=order.subtotal_cents,
        discount_cents=order.discount_cents,
        delivery_fee_cents=order.delivery_fee_cents,
        total_cents=order.total_cents,
        city=order.city,
        delivery_address=schemas.DeliveryAddress(**order.delivery_address),
        items=[priced_item(line) for line in lines],
        history=[schemas.StatusEntry(seq=1, from_status=None, to_status="PENDING", changed_at=order.created_at,
                                     changed_by=changed_by)],
        created_at=order.created_at,
        updated_at=order.created_at,
        coupon_code=order.coupon_code,
    )  # fmt: skip


def created_event(order: NewOrder, lines: list[PricedLine]) -> OrderCreated:
    return OrderCreated(
        order_id=order.order_id,
        user_id=order.user_id,
        restaurant_id=order.restaurant_id,
        city=order.city,
        currency=order.currency,
        subtotal_cents=order.subtotal_cents,
        discount_cents=order.discount_cents,
        delivery_fee_cents=order.delivery_fee_cents,
        total_cents=order.total_cents,
        coupon_code=order.coupon_code,
        delivery_lat=order.delivery_address["lat"],
        delivery_lon=order.delivery_address["lon"],
        items=[
            OrderLine(menu_item_id=line.menu_item_id, name=line.name, size=line.size, quantity=line.quantity,
                      unit_price_cents=line.unit_price_cents)
            for line in lines
        ],
        created_at=order.created_at,
    )  # fmt: skip


def page(rows: list[Row], limit: int) -> schemas.OrderPage:
    items = [
        schemas.OrderSummary(**{f: r[f] for f in schemas.OrderSummary.__struct_fields__ if f in r})
        for r in rows[:limit]
    ]
    more = len(rows) > limit
    next_cursor = Position(items[-1].created_at, items[-1].order_id).encode() if more and items else None
    return schemas.OrderPage(items=items, next_cursor=next_cursor)
