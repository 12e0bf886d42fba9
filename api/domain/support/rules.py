"""The rules of a support ticket, pure and without I/O: who may do what, how the status moves, the SLA clock.

Kept as data and small functions so the service, the tests and the docs share one source of truth: the
service loads a ticket, asks these rules, and writes what they answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

from api.lib.auth import Role

Category = Literal["missing_item", "late", "wrong_order", "payment", "other"]
Status = Literal["open", "pending_customer", "resolved", "closed"]
Scope = Literal["own", "all"]

CATEGORIES: tuple[Category, ...] = get_args(Category)
STATUSES: tuple[Status, ...] = get_args(Status)
# Complaints about a delivery make no sense without the delivery: these categories name an order.
ORDER_CATEGORIES: frozenset[Category] = frozenset({"missing_item", "late", "wrong_order"})
# Support staff: agents, and admins (who pass every guard of the API).
STAFF_ROLES: frozenset[Role] = frozenset({"agent", "admin"})

# Moves an agent may make. A closed ticket is final; a resolved one may be reopened or closed.
STAFF_MOVES: dict[Status, frozenset[Status]] = {
    "open": frozenset({"pending_customer", "resolved", "closed"}),
    "pending_customer": frozenset({"open", "resolved", "closed"}),
    "resolved": frozenset({"open", "closed"}),
    "closed": frozenset(),
}


class NotAllowed(Exception):
    """The caller's role may not do this at all (-> 403)."""


class TicketRuleBroken(Exception):
    """The request conflicts with the ticket's state (-> 409)."""


class OrderRequired(Exception):
    """The category needs the order it is about (-> 422)."""


def scope_of(role: Role) -> Scope:
    """Which tickets a role works with: customers their own, support staff everyone's, others none."""
    if role in STAFF_ROLES:
        return "all"
    if role == "customer":
        return "own"
    raise NotAllowed(f"a {role} account has no access to support tickets")


def require_staff(role: Role) -> None:
    """Assigning and moving tickets is support staff's work."""
    if role not in STAFF_ROLES:
        raise NotAllowed("only support agents assign tickets and change their status")


def check_order_link(category: Category, has_order: bool) -> None:
    if category in ORDER_CATEGORIES and not has_order:
        raise OrderRequired(f"a {category} ticket names the order it is about (order_id)")


def check_staff_move(current: Status, target: Status) -> None:
    if target not in STAFF_MOVES[current]:
        allowed = ", ".join(sorted(STAFF_MOVES[current])) or "none (closed is final)"
        raise TicketRuleBroken(f"a {current} ticket cannot become {target}; allowed next: {allowed}")


def stamps_for_move(target: Status, now: datetime) -> dict[str, Any]:
    """The columns a status change writes: resolving stamps the time, reopening clears it, closing is final."""
    if target == "resolved":
        return {"status": target, "resolved_at": now}
    if target == "open":
        return {"status": target, "resolved_at": None}
    if target == "closed":
        return {"status": target, "closed_at": now}
    return {"status": target}


def status_after_message(current: Status, *, by_customer: bool) -> Status:
    """A customer writing on a ticket waiting for them, or already resolved, puts it back in the queue;
    an agent's reply leaves the status to the agent. Nobody writes on a closed ticket."""
    if current == "closed":
        raise TicketRuleBroken("the ticket is closed; open a new one")
    if by_customer and current in ("pending_customer", "resolved"):
        return "open"
    return current


@dataclass(frozen=True, slots=True)
class SlaDue:
    first_response_due_at: datetime
    resolution_due_at: datetime


def sla_due(created_at: datetime, first_response_minutes: int, resolution_minutes: int) -> SlaDue:
    """The promise made when a ticket opens; stored on the ticket, so changing the settings later moves
    only the tickets opened after the change."""
    return SlaDue(
        first_response_due_at=created_at + timedelta(minutes=first_response_minutes),
        resolution_due_at=created_at + timedelta(minutes=resolution_minutes),
    )


def is_breached(due_at: datetime, met_at: datetime | None, now: datetime) -> bool:
    """Breached when met late, or still unmet after the due time (a running clock breaches on its own)."""
    return (met_at or now) > due_at


def resolution_met_at(resolved_at: datetime | None, closed_at: datetime | None) -> datetime | None:
    """The resolution clock stops when the ticket is resolved, or closed without a resolution."""
    return resolved_at or closed_at
