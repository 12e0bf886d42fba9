"""The order saga as data: its states, which event moves it where, what each step does, its deadlines.

Pure functions only (no I/O), so every rule is a unit test. The orchestrator persists what they return.

    OrderCreated            PaymentSucceeded | PAID          ACCEPTED | PREPARING          READY
    ──────────▶ PAYMENT_PENDING ──────────▶ AWAITING_KITCHEN ──────────▶ IN_KITCHEN ──────────▶ AWAITING_RIDER
                   │ deadline: cancel          │ deadline: refund                          │ deadline: retry, then
                   │ PaymentFailed             │ restaurant rejects (REFUNDED)             ▼ alert ops
                   ▼                           ▼                                        ESCALATED
                CANCELLED                   REFUNDED                                        │ DeliveryAssigned
                                                                                            ▼
               COMPLETED ◀──────── DELIVERED ──────── IN_DELIVERY ◀──── PICKED_UP ──── RIDER_ASSIGNED

* **Stages only move forward.** Each state has a stage; an event whose state is not beyond the current
  one (a duplicate, a replay, a late event overtaken by a newer one) changes nothing and runs nothing.
  So delivering the events twice, or out of order, cannot undo or repeat a step.
* **Entering a state runs its actions** (``ON_ENTER``), each an idempotent call into a domain.
* **Waiting states have deadlines.** When one passes, the saga first re-reads the order: if it moved on
  (its event is still on the way), the saga follows it; otherwise it compensates (``on_timeout``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal, get_args

from pizza.contracts.events import (
    DeliveryAssigned,
    Event,
    OrderCreated,
    OrderStatus,
    OrderStatusChanged,
    PaymentFailed,
    PaymentSucceeded,
)

SagaState = Literal[
    "PAYMENT_PENDING",
    "AWAITING_KITCHEN",
    "IN_KITCHEN",
    "AWAITING_RIDER",
    "ESCALATED",
    "RIDER_ASSIGNED",
    "IN_DELIVERY",
    "COMPLETED",
    "CANCELLED",
    "REFUNDED",
]
DeadlineKind = Literal["payment", "kitchen", "rider"]

# How far along the order each state is. ESCALATED is AWAITING_RIDER with a human told.
STAGE: dict[SagaState, int] = {
    "PAYMENT_PENDING": 10,
    "AWAITING_KITCHEN": 20,
    "IN_KITCHEN": 30,
    "AWAITING_RIDER": 40,
    "ESCALATED": 40,
    "RIDER_ASSIGNED": 50,
    "IN_DELIVERY": 60,
    "COMPLETED": 70,
    "CANCELLED": 80,
    "REFUNDED": 90,
}
NEW_STAGE = 0  # a saga not stored yet

# The order status -> the saga state that waits on what comes next.
STATE_OF_STATUS: dict[OrderStatus, SagaState] = {
    "PENDING": "PAYMENT_PENDING",
    "PAID": "AWAITING_KITCHEN",
    "ACCEPTED": "IN_KITCHEN",
    "PREPARING": "IN_KITCHEN",
    "READY": "AWAITING_RIDER",
    "PICKED_UP": "IN_DELIVERY",
    "DELIVERED": "COMPLETED",
    "CANCELLED": "CANCELLED",
    "REFUNDED": "REFUNDED",
}
# Order statuses in the order the state machine reaches them: a later one is newer news.
STATUS_RANK: dict[OrderStatus, int] = {status: rank for rank, status in enumerate(get_args(OrderStatus))}


class Action(StrEnum):
    """One call into a domain. Every one is idempotent: running it again changes nothing."""

    CHARGE = "charge"  # payments: authorize + capture the order's payment (OrderCreated)
    CANCEL_ORDER = "cancel_order"  # orders: PENDING -> CANCELLED as "system"
    REFUND_ORDER = "refund_order"  # orders: PAID -> REFUNDED as "system"
    REFUND_PAYMENT = "refund_payment"  # payments: refund a capture, release a held authorization
    RETURN_POINTS = "return_points"  # loyalty: give back points the order spent
    RELEASE_RIDER = "release_rider"  # delivery: cancel the delivery, free the rider, stop waiting
    ASSIGN_RIDER = "assign_rider"  # delivery: nearest available rider in the radius, atomically
    RIDER_PICKED_UP = "rider_picked_up"  # delivery: the delivery is on its way
    RIDER_DELIVERED = "rider_delivered"  # delivery: close it, free the rider for waiting orders
    AWARD_POINTS = "award_points"  # loyalty: credit a delivered order's points
    ALERT_OPS = "alert_ops"  # notifications: tell the operations team (escalation)


# What entering a state does. Compensating states start by moving the order (if it is not there yet).
ON_ENTER: dict[SagaState, tuple[Action, ...]] = {
    "PAYMENT_PENDING": (Action.CHARGE,),
    "AWAITING_KITCHEN": (),
    "IN_KITCHEN": (),
    "AWAITING_RIDER": (Action.ASSIGN_RIDER,),
    "ESCALATED": (Action.ALERT_OPS,),
    "RIDER_ASSIGNED": (),
    "IN_DELIVERY": (Action.RIDER_PICKED_UP,),
    "COMPLETED": (Action.RIDER_DELIVERED, Action.AWARD_POINTS),
    "CANCELLED": (Action.CANCEL_ORDER, Action.REFUND_PAYMENT, Action.RETURN_POINTS, Action.RELEASE_RIDER),
    "REFUNDED": (Action.REFUND_ORDER, Action.REFUND_PAYMENT, Action.RETURN_POINTS, Action.RELEASE_RIDER),
}
# The order status an order move reaches; skipped when the order is there already.
MOVES: dict[Action, OrderStatus] = {Action.CANCEL_ORDER: "CANCELLED", Action.REFUND_ORDER: "REFUNDED"}

DEADLINES: dict[SagaState, DeadlineKind] = {
    "PAYMENT_PENDING": "payment",
    "AWAITING_KITCHEN": "kitchen",
    "AWAITING_RIDER": "rider",
}


@dataclass(frozen=True, slots=True)
class Deadlines:
    payment_s: float
    kitchen_s: float
    rider_s: float

    def seconds(self, kind: DeadlineKind) -> float:
        return {"payment": self.payment_s, "kitchen": self.kitchen_s, "rider": self.rider_s}[kind]


@dataclass(frozen=True, slots=True)
class Saga:
    """One order's saga as stored in ``order_sagas``."""

    order_id: uuid.UUID
    user_id: uuid.UUID
    restaurant_id: uuid.UUID
    state: SagaState
    order_status: OrderStatus
    deadline_at: datetime | None = None
    deadline_kind: DeadlineKind | None = None
    reason: str | None = None
    escalated_at: datetime | None = None
    version: int = 0  # 0: not stored yet


@dataclass(frozen=True, slots=True)
class Plan:
    """What one step does: the saga after it and the actions to run, in order."""

    before: Saga | None
    saga: Saga
    actions: tuple[Action, ...]
    trigger: str
    results: dict[str, str] = field(default_factory=dict)

    @property
    def moved(self) -> bool:
        return self.before is None or self.before.state != self.saga.state

    @property
    def changed(self) -> bool:
        """Anything to store: a new state, a new deadline, a newer order status, or actions run."""
        return self.before is None or self.before != self.saga or bool(self.actions)


class RetryAssignment:
    """The rider deadline passed with the order still READY: try once more before escalating."""


RETRY_ASSIGNMENT = RetryAssignment()


def trigger_of(event: Event) -> str:
    if isinstance(event, OrderStatusChanged):
        return f"OrderStatusChanged:{event.to_status}"
    return event.event_type()


def reported_status(event: Event) -> OrderStatus | None:
    """The order status an event tells of, if any (a payment outcome implies one)."""
    if isinstance(event, OrderStatusChanged):
        return event.to_status
    if isinstance(event, OrderCreated):
        return "PENDING"
    if isinstance(event, PaymentSucceeded):
        return "PAID"
    return None


def target_of(event: Event) -> SagaState | None:
    """Where an event moves the saga; None for events it only notes (a refund done, a user event)."""
    if isinstance(event, PaymentFailed):
        return "CANCELLED"  # compensation: a failed payment cancels the order
    if isinstance(event, DeliveryAssigned):
        return "RIDER_ASSIGNED"
    status = reported_status(event)
    return STATE_OF_STATUS[status] if status else None


def newest(a: OrderStatus, b: OrderStatus | None) -> OrderStatus:
    return b if b is not None and STATUS_RANK[b] > STATUS_RANK[a] else a


def stage(saga: Saga | None) -> int:
    return NEW_STAGE if saga is None else STAGE[saga.state]


def enter(
    before: Saga | None, saga: Saga, target: SagaState, now: datetime, deadlines: Deadlines, trigger: str,
    reason: str | None = None,
) -> Plan:  # fmt: skip
    """Move ``saga`` into ``target``: its deadline (or none) and its entry actions."""
    kind = DEADLINES.get(target)
    after = replace(
        saga,
        state=target,
        deadline_kind=kind,
        deadline_at=now + timedelta(seconds=deadlines.seconds(kind)) if kind else None,
        reason=reason or saga.reason,
        escalated_at=now if target == "ESCALATED" else saga.escalated_at,
    )
    actions = tuple(a for a in ON_ENTER[target] if MOVES.get(a) != after.order_status)
    return Plan(before, after, actions, trigger)


def on_event(saga: Saga | None, event: Event, facts: Saga, now: datetime, deadlines: Deadlines) -> Plan:
    """The step an event makes. ``facts`` stands in when no saga is stored yet: the ids and the order's
    current status, read from the order itself (its ``state`` is not used)."""
    trigger = trigger_of(event)
    current = saga or facts
    current = replace(current, order_status=newest(current.order_status, reported_status(event)))
    target = target_of(event)
    if saga is None:  # a new saga starts where the order is, if the order is further than the event says
        where = STATE_OF_STATUS[current.order_status]
        if target is None or STAGE[where] > STAGE[target]:
            return enter(None, current, where, now, deadlines, trigger)
    if target is None or STAGE[target] <= stage(saga):
        return Plan(saga, current, (), trigger)  # duplicate, replayed or overtaken: nothing to do
    reason = f"payment failed: {event.reason}" if isinstance(event, PaymentFailed) else None
    if isinstance(event, OrderStatusChanged) and target in ("CANCELLED", "REFUNDED"):
        reason = event.reason or f"order {event.to_status}"
    return enter(saga, current, target, now, deadlines, trigger, reason)


def follow(saga: Saga, status: OrderStatus, now: datetime, deadlines: Deadlines, trigger: str) -> Plan:
    """Catch up with the order's real status when it is ahead of the saga (its event is on the way)."""
    current = replace(saga, order_status=newest(saga.order_status, status))
    target = STATE_OF_STATUS[status]
    if STAGE[target] > STAGE[saga.state]:
        return enter(saga, current, target, now, deadlines, trigger)
    return Plan(saga, current, (), trigger)


def on_timeout(saga: Saga, status: OrderStatus, now: datetime, deadlines: Deadlines) -> Plan | RetryAssignment:
    """A deadline passed. Follow the order if it moved on; otherwise compensate."""
    kind = saga.deadline_kind
    assert kind is not None, "only sagas with a deadline time out"
    trigger = f"timer:{kind}"
    if STAGE[STATE_OF_STATUS[status]] > STAGE[saga.state]:
        return follow(saga, status, now, deadlines, f"{trigger}:order {status}")
    current = replace(saga, order_status=newest(saga.order_status, status))
    waited = f"{deadlines.seconds(kind):g} s"
    if kind == "payment":
        return enter(saga, current, "CANCELLED", now, deadlines, trigger, f"no payment outcome within {waited}")
    if kind == "kitchen":
        return enter(saga, current, "REFUNDED", now, deadlines, trigger, f"restaurant did not accept within {waited}")
    return RETRY_ASSIGNMENT


def after_assignment_retry(saga: Saga, assigned: bool, now: datetime, deadlines: Deadlines) -> Plan:
    """The rider deadline's outcome: a rider after all, or a human must help."""
    if assigned:
        return enter(saga, saga, "RIDER_ASSIGNED", now, deadlines, "timer:rider")
    reason = f"no rider within {deadlines.rider_s:g} s"
    return enter(saga, saga, "ESCALATED", now, deadlines, "timer:rider", reason)
