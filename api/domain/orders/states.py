"""The order state machine: one table says which transition each kind of actor may make.

Keeping the rules as data (not scattered ``if`` checks) lets the controllers, the payment saga and
the docs share one source of truth, and makes an illegal transition a lookup miss (409) while a
legal transition by the wrong actor is a permission error (403).

    PENDING -> PAID -> ACCEPTED -> PREPARING -> READY -> PICKED_UP -> DELIVERED
       |         |         |           |
       v         v         v           v
    CANCELLED  REFUNDED  REFUNDED    REFUNDED          (DELIVERED -> REFUNDED by an admin)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from pizza.contracts.events import OrderStatus

Actor = Literal["customer", "restaurant_staff", "rider", "agent", "admin", "system"]  # agents (support) make no move

STATUSES: tuple[OrderStatus, ...] = get_args(OrderStatus)
ACTIVE_STATUSES: tuple[OrderStatus, ...] = ("PENDING", "PAID", "ACCEPTED", "PREPARING", "READY", "PICKED_UP")
TERMINAL_STATUSES: tuple[OrderStatus, ...] = ("DELIVERED", "CANCELLED", "REFUNDED")

_STAFF: frozenset[Actor] = frozenset({"restaurant_staff", "admin"})
_RIDER: frozenset[Actor] = frozenset({"rider", "admin"})

# (from, to) -> who may make the move. "system" is the payment flow; admins may do anything legal.
TRANSITIONS: dict[tuple[OrderStatus, OrderStatus], frozenset[Actor]] = {
    ("PENDING", "PAID"): frozenset({"system", "admin"}),
    ("PENDING", "CANCELLED"): frozenset({"customer", "restaurant_staff", "admin", "system"}),
    ("PAID", "ACCEPTED"): _STAFF,
    ("PAID", "REFUNDED"): frozenset({"customer", "restaurant_staff", "admin", "system"}),
    ("ACCEPTED", "PREPARING"): _STAFF,
    ("ACCEPTED", "REFUNDED"): _STAFF,
    ("PREPARING", "READY"): _STAFF,
    ("PREPARING", "REFUNDED"): _STAFF,
    ("READY", "PICKED_UP"): _RIDER,
    ("PICKED_UP", "DELIVERED"): _RIDER,
    ("DELIVERED", "REFUNDED"): frozenset({"admin"}),
}

# Transitions that may carry an estimated ready time (the kitchen's promise).
ETA_TRANSITIONS: frozenset[tuple[OrderStatus, OrderStatus]] = frozenset(
    {("PAID", "ACCEPTED"), ("ACCEPTED", "PREPARING")}
)


class IllegalTransition(Exception):
    """The move is not in the table at all (-> 409 Conflict)."""

    def __init__(self, current: OrderStatus, target: OrderStatus) -> None:
        allowed = ", ".join(next_statuses(current)) or "none (final state)"
        super().__init__(f"an order in {current} cannot become {target}; allowed next: {allowed}")
        self.current, self.target = current, target


class TransitionNotAllowed(Exception):
    """The move exists but this actor may not make it (-> 403 Forbidden)."""

    def __init__(self, current: OrderStatus, target: OrderStatus, actor: Actor) -> None:
        who = ", ".join(sorted(TRANSITIONS[(current, target)]))
        super().__init__(f"{actor} may not move an order from {current} to {target}; only: {who}")
        self.current, self.target, self.actor = current, target, actor


@dataclass(frozen=True, slots=True)
class Transition:
    from_status: OrderStatus
    to_status: OrderStatus
    actor: Actor


def next_statuses(current: OrderStatus) -> list[OrderStatus]:
    """Statuses reachable in one step, in the table's order."""
    return [to for (frm, to) in TRANSITIONS if frm == current]


def check_transition(current: OrderStatus, target: OrderStatus, actor: Actor) -> Transition:
    """Return the transition if ``actor`` may move the order; raise otherwise."""
    actors = TRANSITIONS.get((current, target))
    if actors is None:
        raise IllegalTransition(current, target)
    if actor not in actors and actor != "admin":
        raise TransitionNotAllowed(current, target, actor)
    return Transition(current, target, actor)


def cancel_target(current: OrderStatus) -> OrderStatus:
    """What "cancel" means in the current state: nothing paid -> CANCELLED, paid -> REFUNDED.

    A customer may cancel only before the restaurant accepted; later moves go through support.
    """
    if current == "PENDING":
        return "CANCELLED"
    if current == "PAID":
        return "REFUNDED"
    raise IllegalTransition(current, "CANCELLED")


def is_active(status: OrderStatus) -> bool:
    return status in ACTIVE_STATUSES
