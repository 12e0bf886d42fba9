"""The saga's hands: each action is one call into another domain's public, idempotent entry point.

Nothing here decides anything (``states`` does); this module only translates an action into the call
its domain offers, and reports what happened in a few words for the saga's step log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from api.db import Databases
from api.domain.coupons import CouponService
from api.domain.delivery import DeliveryService
from api.domain.loyalty import LoyaltyService
from api.domain.notifications.ops import OpsAlerts
from api.domain.orders import OrderService, change_status_in_tx
from api.domain.orders.settings import get_order_settings
from api.domain.payments import PaymentService
from api.domain.saga.states import MOVES, Action, Saga
from api.lib.errors import ConflictError
from pizza.contracts.events import Event, EventEnvelope, OrderCreated, OrderStatus, OrderStatusChanged
from pizza.logs import get_logger

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Outcome:
    detail: str
    order_status: OrderStatus | None = None  # where an order move left the order
    assigned: bool = False  # a rider was assigned


def _ended(saga: Saga) -> OrderStatus:
    """The status a compensated order ends in: the saga's state names it (CANCELLED or REFUNDED)."""
    return "REFUNDED" if saga.state == "REFUNDED" else "CANCELLED"


class Participants:
    def __init__(
        self,
        db: Databases,
        mongo: AsyncDatabase[dict[str, Any]],
        payments: PaymentService,
        delivery: DeliveryService,
        loyalty: LoyaltyService,
        ops: OpsAlerts,
    ) -> None:
        self.db, self.payments, self.delivery, self.loyalty, self.ops = db, payments, delivery, loyalty, ops
        self.orders = OrderService(db, mongo, CouponService(db), get_order_settings())

    async def run(self, action: Action, saga: Saga, event: Event | None, envelope: EventEnvelope | None) -> Outcome:
        """Do ``action`` for ``saga``; ``event``/``envelope`` are the step's trigger (None for the timer)."""
        if action is Action.CHARGE:
            if envelope is None or not isinstance(event, OrderCreated):
                return Outcome("skipped: no OrderCreated at hand")  # the order's payment deadline still applies
            result = await self.payments.handle_order_created(envelope)
            return Outcome(result.status if result.changed else f"{result.status} (already)")
        if action in MOVES:
            return await self._move(saga, MOVES[action])
        if action is Action.REFUND_PAYMENT:
            refund = await self.payments.refund_order(saga.order_id, saga.user_id, saga.reason or saga.state.lower())
            if refund is None:
                return Outcome("no payment")
            return Outcome(refund.status if refund.changed else f"{refund.status} (already)")
        if action is Action.RETURN_POINTS:
            entry = await self.loyalty.return_redeemed_points(self._status_event(saga, event, _ended(saga)))
            return Outcome(f"returned {entry.points}" if entry else "nothing to return")
        if action is Action.RELEASE_RIDER:
            await self.delivery.on_order_cancelled(self._status_event(saga, event, _ended(saga)))
            return Outcome("released")
        if action is Action.ASSIGN_RIDER:
            delivery = await self.delivery.on_order_ready(self._status_event(saga, event, "READY"))
            if delivery is None:
                return Outcome("waiting for a rider")
            return Outcome(f"rider {delivery.rider_id}", assigned=True)
        if action is Action.RIDER_PICKED_UP:
            await self.delivery.on_order_picked_up(self._status_event(saga, event, "PICKED_UP"))
            return Outcome("on its way")
        if action is Action.RIDER_DELIVERED:
            await self.delivery.on_order_delivered(self._status_event(saga, event, "DELIVERED"))
            return Outcome("delivery closed")
        if action is Action.AWARD_POINTS:
            entry = await self.loyalty.award_points(self._status_event(saga, event, "DELIVERED"))
            return Outcome(f"earned {entry.points}" if entry else "nothing to earn")
        if action is Action.ALERT_OPS:
            sent = await self.ops.alert(
                f"saga-escalated:{saga.order_id}",
                "saga_escalated",
                f"Order {saga.order_id} needs help: {saga.reason or 'escalated'}",
                f"The order saga of order {saga.order_id} (user {saga.user_id}, restaurant {saga.restaurant_id}) "
                f"escalated: {saga.reason or 'no reason given'}. The order is {saga.order_status}; "
                "it still waits for a rider and continues as soon as one is assigned.",
                order_id=saga.order_id,
            )
            return Outcome(f"ops {sent.status}")
        raise AssertionError(f"no participant for {action}")  # pragma: no cover - every action is mapped

    async def _move(self, saga: Saga, target: OrderStatus) -> Outcome:
        """Move the order as "system"; a refused move reports where the order really is."""
        try:
            async with self.db.user_tx(saga.user_id) as conn:
                change = await change_status_in_tx(
                    conn,
                    user_id=saga.user_id,
                    order_id=saga.order_id,
                    target=target,
                    actor="system",
                    changed_by="system:saga",
                    reason=saga.reason,
                )
        except ConflictError as exc:
            current: OrderStatus | None = exc.extra.get("current_status") if isinstance(exc.extra, dict) else None
            if current is None:
                raise
            return Outcome(f"order is {current}", order_status=current)
        await self.orders.project(change.order, change.seq)
        return Outcome(f"order {target}", order_status=target)

    @staticmethod
    def _status_event(saga: Saga, event: Event | None, to_status: OrderStatus) -> OrderStatusChanged:
        """The status change an entry point expects: the triggering event itself when it is that change,
        otherwise the change as the saga knows it (timer steps, payment events)."""
        if isinstance(event, OrderStatusChanged) and event.to_status == to_status:
            return event
        return OrderStatusChanged(
            order_id=saga.order_id,
            user_id=saga.user_id,
            restaurant_id=saga.restaurant_id,
            from_status=None,
            to_status=to_status,
            reason=saga.reason,
            changed_at=datetime.now(UTC),
        )
