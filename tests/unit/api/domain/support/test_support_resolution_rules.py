"""Resolutions and the SLA timer's decisions, pure: what each resolution needs, what a retry matches, and
when a due ticket is escalated (once per clock) or handed to its next clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.domain.support.rules import (
    ResolutionRefused,
    SlaStep,
    check_resolution,
    same_resolution,
    sla_due,
    sla_step,
)

OPENED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DUE = sla_due(OPENED, 120, 1440)


def ticket(**fields: Any) -> dict[str, Any]:
    return {
        "status": "open",
        "first_response_due_at": DUE.first_response_due_at,
        "resolution_due_at": DUE.resolution_due_at,
        "first_response_at": None,
        "resolved_at": None,
        "closed_at": None,
        "sla_deadline_kind": "first_response",
        "first_response_escalated_at": None,
        "resolution_escalated_at": None,
        **fields,
    }


@pytest.mark.parametrize(
    ("kind", "fields", "refused"),
    [
        ("refund", {"has_order": False}, "needs the ticket to name an order"),
        ("coupon_credit", {"amount_cents": 500}, "needs amount_cents"),
        ("coupon_credit", {"currency": "EUR"}, "needs amount_cents"),
        ("loyalty_credit", {}, "needs points"),
        ("loyalty_credit", {"points": 5, "amount_cents": 5}, "carries no amount_cents"),
        ("no_action", {"amount_cents": 5}, "carries no amount_cents"),
        ("refund", {"points": 5}, "carries no points"),
    ],
)
def test_a_resolution_without_what_it_needs_is_refused(kind: Any, fields: dict[str, Any], refused: str) -> None:
    asked = {"has_order": True, "amount_cents": None, "points": None, "currency": None, **fields}
    with pytest.raises(ResolutionRefused, match=refused):
        check_resolution(kind, **asked)


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("refund", {}),
        ("refund", {"amount_cents": 300}),
        ("coupon_credit", {"amount_cents": 500, "currency": "EUR"}),
        ("loyalty_credit", {"points": 100, "has_order": False}),
        ("no_action", {"has_order": False}),
    ],
)
def test_a_fitting_resolution_passes(kind: Any, fields: dict[str, Any]) -> None:
    check_resolution(kind, **{"has_order": True, "amount_cents": None, "points": None, "currency": None, **fields})


def test_a_retry_matches_the_recorded_resolution_and_nothing_else() -> None:
    refund = {"resolution_kind": "refund", "resolution_amount_cents": 1800, "resolution_points": None}
    assert same_resolution(refund, "refund", None, None)  # a full refund asked again, whatever it came to
    assert same_resolution(refund, "refund", 1800, None)
    assert not same_resolution(refund, "refund", 500, None)
    assert not same_resolution(refund, "coupon_credit", 1800, None)
    points = {"resolution_kind": "loyalty_credit", "resolution_amount_cents": None, "resolution_points": 100}
    assert same_resolution(points, "loyalty_credit", None, 100)
    assert not same_resolution(points, "loyalty_credit", None, 200)


def test_an_unanswered_ticket_escalates_its_first_response_then_waits_for_resolution() -> None:
    late = DUE.first_response_due_at + timedelta(minutes=1)
    assert sla_step(ticket(), late) == SlaStep("first_response", DUE.resolution_due_at, "resolution")


def test_a_first_response_already_escalated_or_met_is_not_escalated_again() -> None:
    late = DUE.first_response_due_at + timedelta(minutes=1)
    escalated = ticket(first_response_escalated_at=late)
    answered = ticket(first_response_at=OPENED + timedelta(minutes=5))
    for t in (escalated, answered):
        assert sla_step(t, late) == SlaStep(None, DUE.resolution_due_at, "resolution")


def test_the_resolution_clock_escalates_once_and_then_stops() -> None:
    late = DUE.resolution_due_at + timedelta(minutes=1)
    running = ticket(sla_deadline_kind="resolution", first_response_at=OPENED)
    assert sla_step(running, late) == SlaStep("resolution", None, None)
    assert sla_step({**running, "resolution_escalated_at": late}, late) == SlaStep(None, None, None)


def test_a_step_before_its_due_time_only_waits() -> None:
    early = DUE.first_response_due_at - timedelta(minutes=1)
    assert sla_step(ticket(), early) == SlaStep(None, DUE.first_response_due_at, "first_response")
    running = ticket(sla_deadline_kind="resolution", first_response_at=OPENED)
    assert sla_step(running, early) == SlaStep(None, DUE.resolution_due_at, "resolution")


@pytest.mark.parametrize(
    "fields", [{"status": "closed", "closed_at": OPENED}, {"status": "resolved", "resolved_at": OPENED}]
)
def test_a_resolved_or_closed_ticket_stops_its_clocks(fields: dict[str, Any]) -> None:
    assert sla_step(ticket(**fields), DUE.resolution_due_at + timedelta(days=1)) == SlaStep(None, None, None)
