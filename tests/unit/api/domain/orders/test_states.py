from __future__ import annotations

import itertools

import pytest

from api.domain.orders.states import (
    STATUSES,
    TERMINAL_STATUSES,
    TRANSITIONS,
    IllegalTransition,
    TransitionNotAllowed,
    cancel_target,
    check_transition,
    next_statuses,
)

pytestmark = pytest.mark.unit

HAPPY_PATH = ["PENDING", "PAID", "ACCEPTED", "PREPARING", "READY", "PICKED_UP", "DELIVERED"]
WHO_MOVES = {"PAID": "system", "ACCEPTED": "restaurant_staff", "PREPARING": "restaurant_staff",
             "READY": "restaurant_staff", "PICKED_UP": "rider", "DELIVERED": "rider"}  # fmt: skip


def test_the_happy_path_is_walkable_by_the_right_actors() -> None:
    for current, target in itertools.pairwise(HAPPY_PATH):
        transition = check_transition(current, target, WHO_MOVES[target])  # type: ignore[arg-type]
        assert (transition.from_status, transition.to_status) == (current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [("PENDING", "ACCEPTED"), ("PAID", "READY"), ("READY", "PREPARING"), ("DELIVERED", "PENDING"),
     ("CANCELLED", "PAID"), ("REFUNDED", "PAID"), ("PICKED_UP", "CANCELLED"), ("PENDING", "PENDING")],
)  # fmt: skip
def test_illegal_transitions_are_rejected_even_for_admins(current: str, target: str) -> None:
    with pytest.raises(IllegalTransition, match=f"cannot become {target}"):
        check_transition(current, target, "admin")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("current", "target", "actor"),
    [("PENDING", "PAID", "customer"), ("PAID", "ACCEPTED", "customer"), ("PAID", "ACCEPTED", "rider"),
     ("READY", "PICKED_UP", "restaurant_staff"), ("PENDING", "PAID", "restaurant_staff"),
     ("DELIVERED", "REFUNDED", "restaurant_staff"), ("ACCEPTED", "REFUNDED", "customer")],
)  # fmt: skip
def test_legal_transitions_by_the_wrong_actor_are_forbidden(current: str, target: str, actor: str) -> None:
    with pytest.raises(TransitionNotAllowed, match="may not move"):
        check_transition(current, target, actor)  # type: ignore[arg-type]


def test_admins_may_make_every_legal_transition() -> None:
    for current, target in TRANSITIONS:
        assert check_transition(current, target, "admin").actor == "admin"


def test_terminal_states_have_no_way_out_except_an_admin_refund_after_delivery() -> None:
    assert next_statuses("CANCELLED") == []
    assert next_statuses("REFUNDED") == []
    assert next_statuses("DELIVERED") == ["REFUNDED"]
    assert set(TERMINAL_STATUSES) <= set(STATUSES)


def test_every_status_is_reachable_from_pending() -> None:
    seen, frontier = {"PENDING"}, ["PENDING"]
    while frontier:
        for nxt in next_statuses(frontier.pop()):  # type: ignore[arg-type]
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(STATUSES)


def test_cancel_means_cancelled_before_payment_and_refunded_after() -> None:
    assert cancel_target("PENDING") == "CANCELLED"
    assert cancel_target("PAID") == "REFUNDED"
    for status in ("ACCEPTED", "PREPARING", "READY", "PICKED_UP", "DELIVERED", "CANCELLED", "REFUNDED"):
        with pytest.raises(IllegalTransition):
            cancel_target(status)  # type: ignore[arg-type]
