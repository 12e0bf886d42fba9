"""Which events each consumer group handles, and the domain entry point it calls.

- ``saga`` (events.order): every order event -> ``SagaOrchestrator.handle``, which calls payments,
  delivery (rider assignment and lifecycle), loyalty and the ops alerts as the saga's steps.
- ``notifications`` (events.order, events.user, events.coupon): every event -> ``NotificationService.notify``
  (its templates decide what is announced).
- ``live`` (events.order): ``OrderStatusChanged`` -> ``DeliveryService.on_status_changed`` (the
  customers' WebSocket feed).
- ``coupons`` (events.order): ``OrderStatusChanged`` to ``CANCELLED`` and ``PaymentRefunded`` ->
  ``CouponService.give_back`` for the coupon the order used (read from the order on its shard, since the
  events do not carry it), which announces ``CouponReleased`` on events.coupon.

Each purpose is its own consumer group, so a slow email provider never delays a payment. The purpose
name is also the message-log consumer name: each purpose handles each event once.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from api.db import Databases
from api.domain.coupons import CouponService
from api.domain.delivery import DeliveryService
from api.domain.notifications import NotificationService
from api.domain.orders import order_facts
from api.domain.saga import SagaOrchestrator
from api.domain.saga.settings import Purpose
from pizza.contracts.events import (
    CouponReleaseReason,
    Event,
    EventEnvelope,
    OrderStatusChanged,
    PaymentRefunded,
    events_topic,
)
from pizza.messaging.consumer import Handler
from workers.saga.messagelog import once

TOPICS: dict[Purpose, tuple[str, ...]] = {
    "saga": (events_topic("order"),),
    "notifications": (events_topic("order"), events_topic("user"), events_topic("coupon")),
    "live": (events_topic("order"),),
    "coupons": (events_topic("order"),),
}

CouponOf = Callable[[Databases, uuid.UUID, uuid.UUID], Awaitable[str | None]]


def saga_handler(orchestrator: SagaOrchestrator) -> Handler:
    return orchestrator.handle


def notifications_handler(db: Databases, notifier: NotificationService, consumer: str = "notifications") -> Handler:
    async def handle(envelope: EventEnvelope, event: Event) -> str:
        async with once(db, getattr(event, "user_id", None), consumer, envelope.event_id) as new:
            if not new:
                return "duplicate"
            outcomes = await notifier.notify(envelope)  # claims each (event, channel) in the MongoDB log first
        statuses = {o.status for o in outcomes}
        return "sent" if "sent" in statuses else "failed" if "failed" in statuses else "silent"

    return handle


def live_handler(db: Databases, delivery: DeliveryService, consumer: str = "live") -> Handler:
    async def handle(envelope: EventEnvelope, event: Event) -> str:
        if not isinstance(event, OrderStatusChanged):
            return "ignored"
        async with once(db, event.user_id, consumer, envelope.event_id) as new:
            if not new:
                return "duplicate"
            shown = await delivery.on_status_changed(event)  # never shows an older status after a newer one
        return "published" if shown else "stale"

    return handle


class OrderNotOnShard(LookupError):
    """The event names an order its customer's shard does not have: dead-lettered, never marked done."""


def release_reason(event: Event) -> CouponReleaseReason | None:
    """Why this event gives an order's coupon use back, or None when it does not.

    A cancelled order was never charged; a refunded one had its payment returned (the order's own move to
    ``REFUNDED`` is left to ``PaymentRefunded``, which every refund of a paid order writes).
    """
    if isinstance(event, OrderStatusChanged) and event.to_status == "CANCELLED":
        return "order_cancelled"
    if isinstance(event, PaymentRefunded):
        return "payment_refunded"
    return None


async def order_coupon(db: Databases, order_id: uuid.UUID, user_id: uuid.UUID) -> str | None:
    """The coupon code the order used, read from the order on its customer's shard."""
    async with db.pool_for_user(user_id).connection() as conn:
        order = await order_facts(conn, order_id, user_id)
    if order is None:
        raise OrderNotOnShard(f"order {order_id} of user {user_id} is not on the user's shard")
    return order.coupon_code


def coupons_handler(
    db: Databases, coupons: CouponService, consumer: str = "coupons", coupon_of: CouponOf = order_coupon
) -> Handler:
    async def handle(envelope: EventEnvelope, event: Event) -> str:
        reason = release_reason(event)
        if reason is None or not isinstance(event, OrderStatusChanged | PaymentRefunded):
            return "ignored"
        code = await coupon_of(db, event.order_id, event.user_id)  # before the log entry: one connection at a time
        if code is None:
            return "no_coupon"
        async with once(db, event.user_id, consumer, envelope.event_id) as new:
            if not new:
                return "duplicate"
            # In the catalog, once per order: a cancel and a refund of one order give back one use.
            released = await coupons.give_back(code, event.order_id, reason)
        return "released" if released else "already_released"

    return handle
