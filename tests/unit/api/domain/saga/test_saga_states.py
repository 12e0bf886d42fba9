"""The saga's rules as pure functions: where each event leads, what each step runs, deadlines, timeouts."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.domain.saga.states import (
    RETRY_ASSIGNMENT,
    STAGE,
    STATE_OF_STATUS,
    Action,
    Deadlines,
    Saga,
    after_assignment_retry,
    follow,
    on_event,
    on_timeout,
)
from pizza.contracts.events import (
    DeliveryAssigned,
    Event,
    OrderCreated,
    OrderStatus,
    OrderStatusChanged,
    PaymentFailed,
    PaymentRefunded,
    PaymentSucceeded,
)
from pizza.ids import new_id

pytestmark = pytest.mark.unit

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
DEADLINES = Deadlines(payment_s=600, kitchen_s=900, rider_s=300)
ORDER, USER, RESTAURANT = new_id(), uuid.uuid4(), uuid.uuid4()


def facts(status: OrderStatus = "PENDING") -> Saga:
    return Saga(ORDER, USER, RESTAURANT, STATE_OF_STATUS[status], status)


def created() -> OrderCreated:
    return OrderCreated(
        order_id=ORDER, user_id=USER, restaurant_id=RESTAURANT, city="Berlin", currency="EUR", subtotal_cents=1000,
        discount_cents=0, delivery_fee_cents=249, total_cents=1249, items=[], created_at=NOW,
    )  # fmt: skip


def status(to: OrderStatus, reason: str | None = None) -> OrderStatusChanged:
    return OrderStatusChanged(
        order_id=ORDER, user_id=USER, restaurant_id=RESTAURANT, from_status=None, to_status=to, reason=reason,
        changed_at=NOW,
    )  # fmt: skip


def payment(kind: type[Event], **extra: Any) -> Event:
    fields = {"order_id": ORDER, "payment_id": uuid.uuid4(), "user_id": USER, "amount_cents": 1249,
              "currency": "EUR", "provider": "simulated", **extra}  # fmt: skip
    return kind(**fields)


def assigned() -> DeliveryAssigned:
    return DeliveryAssigned(
        order_id=ORDER, delivery_id=uuid.uuid4(), rider_id=uuid.uuid4(), user_id=USER, eta_minutes=12.0, assigned_at=NOW
    )


def stored(state: str, order_status: OrderStatus, **fields: Any) -> Saga:
    return replace(facts(order_status), state=state, version=3, **fields)  # type: ignore[arg-type]


def test_order_created_starts_the_saga_waiting_for_payment_and_charges() -> None:
    plan = on_event(None, created(), facts(), NOW, DEADLINES)
    assert plan.saga.state == "PAYMENT_PENDING"
    assert plan.actions == (Action.CHARGE,)
    assert plan.saga.deadline_kind == "payment"
    assert plan.saga.deadline_at == NOW + timedelta(seconds=600)
    assert plan.moved
    assert plan.before is None


@pytest.mark.parametrize(
    ("event", "state", "actions", "deadline"),
    [
        (payment(PaymentSucceeded), "AWAITING_KITCHEN", (), "kitchen"),
        (status("PAID"), "AWAITING_KITCHEN", (), "kitchen"),
        (status("ACCEPTED"), "IN_KITCHEN", (), None),
        (status("READY"), "AWAITING_RIDER", (Action.ASSIGN_RIDER,), "rider"),
        (assigned(), "RIDER_ASSIGNED", (), None),
        (status("PICKED_UP"), "IN_DELIVERY", (Action.RIDER_PICKED_UP,), None),
        (status("DELIVERED"), "COMPLETED", (Action.RIDER_DELIVERED, Action.AWARD_POINTS), None),
    ],
)
def test_each_forward_event_enters_its_state_with_its_actions_and_deadline(
    event: Event, state: str, actions: tuple[Action, ...], deadline: str | None
) -> None:
    plan = on_event(stored("PAYMENT_PENDING", "PENDING"), event, facts(), NOW, DEADLINES)
    assert (plan.saga.state, plan.actions, plan.saga.deadline_kind) == (state, actions, deadline)


def test_a_failed_payment_compensates_by_cancelling_the_order_and_releasing_everything() -> None:
    plan = on_event(stored("PAYMENT_PENDING", "PENDING"), payment(PaymentFailed, reason="card_declined"), facts(),
                    NOW, DEADLINES)  # fmt: skip
    assert plan.saga.state == "CANCELLED"
    assert plan.actions == (Action.CANCEL_ORDER, Action.REFUND_PAYMENT, Action.RETURN_POINTS, Action.RELEASE_RIDER)
    assert plan.saga.reason == "payment failed: card_declined"
    assert plan.saga.deadline_at is None


def test_a_cancellation_the_order_already_made_does_not_move_the_order_again() -> None:
    plan = on_event(stored("PAYMENT_PENDING", "PENDING"), status("CANCELLED", "customer"), facts(), NOW, DEADLINES)
    assert plan.saga.state == "CANCELLED"
    assert Action.CANCEL_ORDER not in plan.actions
    assert plan.actions == (Action.REFUND_PAYMENT, Action.RETURN_POINTS, Action.RELEASE_RIDER)


def test_the_restaurant_rejecting_a_paid_order_refunds_it() -> None:
    plan = on_event(stored("AWAITING_KITCHEN", "PAID"), status("REFUNDED", "out of dough"), facts(), NOW, DEADLINES)
    assert plan.saga.state == "REFUNDED"
    assert plan.actions == (Action.REFUND_PAYMENT, Action.RETURN_POINTS, Action.RELEASE_RIDER)
    assert plan.saga.reason == "out of dough"


def test_an_admin_refund_after_delivery_still_compensates() -> None:
    plan = on_event(stored("COMPLETED", "DELIVERED"), status("REFUNDED"), facts(), NOW, DEADLINES)
    assert plan.saga.state == "REFUNDED"
    assert Action.REFUND_PAYMENT in plan.actions


@pytest.mark.parametrize(
    "event",
    [created(), payment(PaymentSucceeded), status("PAID"), status("READY"), status("PICKED_UP"), assigned()],
)
def test_events_from_earlier_stages_change_nothing_and_run_nothing(event: Event) -> None:
    saga = stored("COMPLETED", "DELIVERED")
    plan = on_event(saga, event, facts(), NOW, DEADLINES)
    assert plan.saga == saga
    assert plan.actions == ()
    assert not plan.changed


def test_a_duplicate_of_the_current_state_changes_nothing() -> None:
    saga = stored("AWAITING_RIDER", "READY", deadline_kind="rider", deadline_at=NOW)
    plan = on_event(saga, status("READY"), facts(), NOW + timedelta(minutes=1), DEADLINES)
    assert not plan.changed
    assert plan.saga.deadline_at == NOW  # the deadline is not pushed back by a replay


def test_an_escalated_saga_continues_when_a_rider_is_assigned_but_not_on_a_replayed_ready() -> None:
    saga = stored("ESCALATED", "READY", escalated_at=NOW, reason="no rider")
    assert not on_event(saga, status("READY"), facts(), NOW, DEADLINES).changed
    plan = on_event(saga, assigned(), facts(), NOW, DEADLINES)
    assert plan.saga.state == "RIDER_ASSIGNED"
    assert plan.saga.escalated_at == NOW  # the history of the escalation stays


def test_a_refund_notice_only_records_nothing_new() -> None:
    saga = stored("REFUNDED", "REFUNDED")
    assert not on_event(saga, payment(PaymentRefunded), facts(), NOW, DEADLINES).changed


def test_a_new_saga_starts_where_the_order_is_when_the_order_is_further_than_the_event() -> None:
    plan = on_event(None, created(), facts("DELIVERED"), NOW, DEADLINES)
    assert plan.saga.state == "COMPLETED"
    assert Action.CHARGE not in plan.actions


def test_a_new_saga_from_an_event_that_moves_nothing_still_starts_at_the_order() -> None:
    plan = on_event(None, payment(PaymentRefunded), facts("REFUNDED"), NOW, DEADLINES)
    assert plan.saga.state == "REFUNDED"
    assert plan.before is None


def test_the_order_status_kept_by_the_saga_never_goes_back() -> None:
    saga = stored("COMPLETED", "DELIVERED")
    assert on_event(saga, status("READY"), facts(), NOW, DEADLINES).saga.order_status == "DELIVERED"


def test_payment_deadline_cancels_the_order_when_it_is_still_pending() -> None:
    saga = stored("PAYMENT_PENDING", "PENDING", deadline_kind="payment", deadline_at=NOW)
    plan = on_timeout(saga, "PENDING", NOW, DEADLINES)
    assert not isinstance(plan, type(RETRY_ASSIGNMENT))
    assert plan.saga.state == "CANCELLED"
    assert plan.actions[0] is Action.CANCEL_ORDER
    assert plan.saga.reason == "no payment outcome within 600 s"
    assert plan.trigger == "timer:payment"


def test_kitchen_deadline_refunds_a_paid_order_nobody_accepted() -> None:
    saga = stored("AWAITING_KITCHEN", "PAID", deadline_kind="kitchen", deadline_at=NOW)
    plan = on_timeout(saga, "PAID", NOW, DEADLINES)
    assert not isinstance(plan, type(RETRY_ASSIGNMENT))
    assert plan.saga.state == "REFUNDED"
    assert plan.actions == (Action.REFUND_ORDER, Action.REFUND_PAYMENT, Action.RETURN_POINTS, Action.RELEASE_RIDER)


def test_a_deadline_follows_an_order_that_moved_on_instead_of_compensating() -> None:
    saga = stored("AWAITING_KITCHEN", "PAID", deadline_kind="kitchen", deadline_at=NOW)
    plan = on_timeout(saga, "ACCEPTED", NOW, DEADLINES)
    assert not isinstance(plan, type(RETRY_ASSIGNMENT))
    assert plan.saga.state == "IN_KITCHEN"
    assert plan.actions == ()
    assert plan.saga.deadline_at is None


def test_rider_deadline_retries_assignment_then_escalates_or_continues() -> None:
    saga = stored("AWAITING_RIDER", "READY", deadline_kind="rider", deadline_at=NOW)
    assert on_timeout(saga, "READY", NOW, DEADLINES) is RETRY_ASSIGNMENT
    escalated = after_assignment_retry(saga, False, NOW, DEADLINES)
    assert escalated.saga.state == "ESCALATED"
    assert escalated.actions == (Action.ALERT_OPS,)
    assert escalated.saga.escalated_at == NOW
    assert escalated.saga.deadline_at is None
    assert escalated.saga.reason == "no rider within 300 s"
    found = after_assignment_retry(saga, True, NOW, DEADLINES)
    assert (found.saga.state, found.actions) == ("RIDER_ASSIGNED", ())


def test_following_never_goes_back() -> None:
    saga = stored("IN_DELIVERY", "PICKED_UP")
    plan = follow(saga, "READY", NOW, DEADLINES, "t")
    assert plan.saga.state == "IN_DELIVERY"
    assert plan.actions == ()


def test_every_status_maps_to_a_state_and_stages_order_the_happy_path() -> None:
    path = ["PAYMENT_PENDING", "AWAITING_KITCHEN", "IN_KITCHEN", "AWAITING_RIDER", "RIDER_ASSIGNED", "IN_DELIVERY",
            "COMPLETED"]  # fmt: skip
    assert [STAGE[s] for s in path] == sorted(STAGE[s] for s in path)  # type: ignore[index]
    assert len({STAGE[s] for s in path}) == len(path)  # type: ignore[index]
    assert STAGE["ESCALATED"] == STAGE["AWAITING_RIDER"]
