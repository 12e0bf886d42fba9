"""The rules of a support ticket: who may do what, status moves, the SLA clock and how a ticket shows it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from itertools import product
from typing import Any

import pytest
from pydantic import ValidationError

from api.domain.support.rules import (
    CATEGORIES,
    STAFF_MOVES,
    STATUSES,
    NotAllowed,
    OrderRequired,
    TicketRuleBroken,
    check_order_link,
    check_staff_move,
    is_breached,
    require_staff,
    resolution_met_at,
    scope_of,
    sla_due,
    stamps_for_move,
    status_after_message,
)
from api.domain.support.services import ticket_view
from api.domain.support.settings import SupportSettings
from api.lib.auth import ROLES

pytestmark = pytest.mark.unit
OPENED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_customers_work_on_their_own_tickets_and_support_staff_on_everyones() -> None:
    assert scope_of("customer") == "own"
    assert scope_of("agent") == "all"
    assert scope_of("admin") == "all"


@pytest.mark.parametrize("role", ["rider", "restaurant_staff"])
def test_riders_and_restaurant_staff_have_no_access_to_support(role: Any) -> None:
    with pytest.raises(NotAllowed):
        scope_of(role)
    with pytest.raises(NotAllowed):
        require_staff(role)


def test_only_agents_and_admins_assign_tickets_and_move_them() -> None:
    allowed = set()
    for role in ROLES:
        try:
            require_staff(role)
            allowed.add(role)
        except NotAllowed:
            pass
    assert allowed == {"agent", "admin"}


def test_agent_is_a_role_the_tokens_accept() -> None:
    assert "agent" in ROLES


@pytest.mark.parametrize("category", ["missing_item", "late", "wrong_order"])
def test_delivery_complaints_name_their_order(category: Any) -> None:
    with pytest.raises(OrderRequired):
        check_order_link(category, has_order=False)
    check_order_link(category, has_order=True)


@pytest.mark.parametrize("category", ["payment", "other"])
def test_payment_and_other_tickets_may_stand_without_an_order(category: Any) -> None:
    check_order_link(category, has_order=False)
    check_order_link(category, has_order=True)


def test_every_category_and_status_has_its_place() -> None:
    assert set(CATEGORIES) == {"missing_item", "late", "wrong_order", "payment", "other"}
    assert set(STAFF_MOVES) == set(STATUSES) == {"open", "pending_customer", "resolved", "closed"}


@pytest.mark.parametrize(("current", "target"), list(product(STATUSES, STATUSES)))
def test_agents_move_tickets_only_along_the_table(current: Any, target: Any) -> None:
    legal = {
        ("open", "pending_customer"),
        ("open", "resolved"),
        ("open", "closed"),
        ("pending_customer", "open"),
        ("pending_customer", "resolved"),
        ("pending_customer", "closed"),
        ("resolved", "open"),
        ("resolved", "closed"),
    }
    if (current, target) in legal:
        check_staff_move(current, target)
    else:
        with pytest.raises(TicketRuleBroken):
            check_staff_move(current, target)


def test_resolving_stamps_the_time_reopening_clears_it_closing_is_stamped_too() -> None:
    now = OPENED + timedelta(hours=3)
    assert stamps_for_move("resolved", now) == {"status": "resolved", "resolved_at": now}
    assert stamps_for_move("open", now) == {"status": "open", "resolved_at": None}
    assert stamps_for_move("closed", now) == {"status": "closed", "closed_at": now}
    assert stamps_for_move("pending_customer", now) == {"status": "pending_customer"}


@pytest.mark.parametrize(
    ("current", "by_customer", "after"),
    [
        ("open", True, "open"),
        ("pending_customer", True, "open"),  # the customer answered: back in the queue
        ("resolved", True, "open"),  # not resolved after all: reopened
        ("open", False, "open"),
        ("pending_customer", False, "pending_customer"),  # an agent's reply leaves the status to the agent
        ("resolved", False, "resolved"),
    ],
)
def test_a_customer_message_puts_a_waiting_or_resolved_ticket_back_in_the_queue(
    current: Any, by_customer: bool, after: str
) -> None:
    assert status_after_message(current, by_customer=by_customer) == after


@pytest.mark.parametrize("by_customer", [True, False])
def test_nobody_writes_on_a_closed_ticket(by_customer: bool) -> None:
    with pytest.raises(TicketRuleBroken):
        status_after_message("closed", by_customer=by_customer)


def test_the_sla_is_fixed_at_opening_from_the_settings() -> None:
    settings = SupportSettings()
    due = sla_due(OPENED, settings.first_response_minutes, settings.resolution_minutes)
    assert due.first_response_due_at == OPENED + timedelta(hours=2)
    assert due.resolution_due_at == OPENED + timedelta(hours=24)


def test_the_resolution_time_cannot_be_shorter_than_the_first_response_time() -> None:
    with pytest.raises(ValidationError):
        SupportSettings(first_response_minutes=60, resolution_minutes=30)


def test_a_clock_breaches_when_met_late_or_still_running_past_its_due_time() -> None:
    due = OPENED + timedelta(hours=2)
    early, late = due - timedelta(minutes=1), due + timedelta(minutes=1)
    assert not is_breached(due, met_at=early, now=late)  # met in time stays met, whenever it is read
    assert is_breached(due, met_at=late, now=late)
    assert not is_breached(due, met_at=None, now=early)
    assert is_breached(due, met_at=None, now=late)


def test_the_resolution_clock_stops_at_resolution_or_at_a_close_without_one() -> None:
    resolved, closed = OPENED + timedelta(hours=1), OPENED + timedelta(hours=5)
    assert resolution_met_at(resolved, closed) == resolved
    assert resolution_met_at(None, closed) == closed
    assert resolution_met_at(None, None) is None


def _row(**fields: Any) -> dict[str, Any]:
    due = sla_due(OPENED, 120, 1440)
    return {
        "ticket_id": uuid.uuid4(),
        "user_id": uuid.uuid4(),
        "order_id": None,
        "category": "other",
        "subject": "A question",
        "status": "open",
        "assigned_agent_id": None,
        "created_at": OPENED,
        "updated_at": OPENED,
        "first_response_due_at": due.first_response_due_at,
        "resolution_due_at": due.resolution_due_at,
        "first_response_at": None,
        "resolved_at": None,
        "closed_at": None,
        **fields,
    }


def test_a_ticket_shows_both_clocks_as_of_the_read() -> None:
    fresh = ticket_view(_row(), now=OPENED + timedelta(minutes=30))
    assert (fresh.first_response_breached, fresh.resolution_breached) == (False, False)

    unanswered = ticket_view(_row(), now=OPENED + timedelta(hours=3))
    assert (unanswered.first_response_breached, unanswered.resolution_breached) == (True, False)

    answered = _row(first_response_at=OPENED + timedelta(minutes=45), resolved_at=OPENED + timedelta(hours=30))
    late = ticket_view(answered, now=OPENED + timedelta(days=3))
    assert (late.first_response_breached, late.resolution_breached) == (False, True)
