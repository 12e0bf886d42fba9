"""The order saga on the real stack (no Kafka here: the order's outbox events are handed to the saga as
the consumer would): every path, its compensation, its deadlines, crashes, concurrent timers, replays."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import redis.exceptions
from redis.asyncio import Redis
from saga_world import OPS_EMAIL, SagaWorld

from api.domain.delivery.riders import RiderRegistry
from api.domain.saga.states import Action
from api.domain.saga.views import escalated_sagas, find_saga

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

Move = Callable[..., dict[str, Any]]
OrderOf = Callable[..., tuple[Any, dict[str, Any]]]


def count(world: SagaWorld, user_id: uuid.UUID, order_id: str, event_type: str) -> int:
    return sum(1 for e in world.outbox(user_id, order_id) if e.event_type == event_type)


def payment_status(world: SagaWorld, user_id: uuid.UUID, order_id: str) -> str:
    row = world.row(user_id, "SELECT status FROM payments WHERE order_id = %s", (order_id,))
    assert row is not None
    return str(row["status"])


def order_status(world: SagaWorld, user_id: uuid.UUID, order_id: str) -> str:
    row = world.row(user_id, "SELECT status FROM orders WHERE order_id = %s", (order_id,))
    assert row is not None
    return str(row["status"])


def snapshot(world: SagaWorld, user_id: uuid.UUID, order_id: str) -> dict[str, Any]:
    """Everything the saga's steps write for one order, to compare before and after a replay."""
    q = {
        "saga": "SELECT state, order_status, deadline_at, reason, version, steps FROM order_sagas WHERE order_id = %s",
        "order": "SELECT status, updated_at FROM orders WHERE order_id = %s",
        "payments": "SELECT payment_id, status, updated_at FROM payments WHERE order_id = %s",
        "deliveries": "SELECT delivery_id, rider_id, status, updated_at FROM deliveries WHERE order_id = %s",
        "ledger": "SELECT entry_id, kind, points FROM loyalty_ledger WHERE order_id = %s ORDER BY entry_id",
        "outbox": "SELECT event_id FROM outbox WHERE aggregate_id = %s::text ORDER BY event_id",
    }
    return {name: world.rows(user_id, sql, (order_id,)) for name, sql in q.items()}


async def test_an_order_goes_from_payment_to_delivery_one_step_per_event(
    world: SagaWorld, customer: Any, order_of: OrderOf, move_order: Move, rider_online: Callable[..., Any]
) -> None:
    rider = rider_online()
    restaurant, order = order_of(customer)
    oid, uid = order["order_id"], customer.user_id

    outcomes = await world.pump(uid, oid)
    assert outcomes == ["advanced", "advanced", "stale"]  # OrderCreated (charged), PaymentSucceeded, PAID
    saga = await world.saga(uid, oid)
    assert (saga.state, saga.order_status, saga.deadline_kind) == ("AWAITING_KITCHEN", "PAID", "kitchen")
    assert payment_status(world, uid, oid) == "SUCCEEDED"

    move_order(restaurant.staff, oid, "ACCEPTED", estimated_ready_minutes=15)
    move_order(restaurant.staff, oid, "PREPARING")
    move_order(restaurant.staff, oid, "READY")
    assert await world.pump(uid, oid) == ["advanced", "noted", "advanced", "advanced"]  # ..., DeliveryAssigned
    saga = await world.saga(uid, oid)
    assert saga.state == "RIDER_ASSIGNED"
    assert saga.deadline_at is None
    delivery = world.row(uid, "SELECT rider_id, status FROM deliveries WHERE order_id = %s", (oid,))
    assert delivery == {"rider_id": rider.user_id, "status": "ASSIGNED"}

    move_order(rider, oid, "PICKED_UP")
    move_order(rider, oid, "DELIVERED")
    assert await world.pump(uid, oid) == ["advanced", "advanced"]
    saga = await world.saga(uid, oid)
    assert (saga.state, saga.order_status, saga.deadline_at) == ("COMPLETED", "DELIVERED", None)
    ledger = world.rows(uid, "SELECT kind, points FROM loyalty_ledger WHERE order_id = %s", (oid,))
    assert ledger == [{"kind": "earn", "points": (order["subtotal_cents"] - order["discount_cents"]) // 100}]
    delivery = world.row(uid, "SELECT status FROM deliveries WHERE order_id = %s", (oid,))
    assert delivery == {"status": "DELIVERED"}

    steps = await world.steps(uid, oid)
    assert [(s["trigger"], s["from"], s["to"]) for s in steps] == [
        ("OrderCreated", None, "PAYMENT_PENDING"),
        ("PaymentSucceeded", "PAYMENT_PENDING", "AWAITING_KITCHEN"),
        ("OrderStatusChanged:ACCEPTED", "AWAITING_KITCHEN", "IN_KITCHEN"),
        ("OrderStatusChanged:READY", "IN_KITCHEN", "AWAITING_RIDER"),
        ("DeliveryAssigned", "AWAITING_RIDER", "RIDER_ASSIGNED"),
        ("OrderStatusChanged:PICKED_UP", "RIDER_ASSIGNED", "IN_DELIVERY"),
        ("OrderStatusChanged:DELIVERED", "IN_DELIVERY", "COMPLETED"),
    ]
    assert steps[0]["actions"] == {"charge": "SUCCEEDED"}
    assert steps[3]["actions"] == {"assign_rider": f"rider {rider.user_id}"}
    assert steps[-1]["actions"]["award_points"].startswith("earned ")

    before = snapshot(world, uid, oid)
    assert set(await world.feed(world.outbox(uid, oid))) == {"duplicate"}  # the message log: each event once
    assert snapshot(world, uid, oid) == before


async def test_events_replayed_out_of_order_without_message_log_or_saga_change_nothing(
    world: SagaWorld, customer: Any, order_of: OrderOf, move_order: Move, rider_online: Callable[..., Any]
) -> None:
    rider = rider_online()
    restaurant, order = order_of(customer)
    oid, uid = order["order_id"], customer.user_id
    await world.pump(uid, oid)
    for status in ("ACCEPTED", "PREPARING", "READY"):
        move_order(restaurant.staff, oid, status)
    await world.pump(uid, oid)
    move_order(rider, oid, "PICKED_UP")
    move_order(rider, oid, "DELIVERED")
    await world.pump(uid, oid)
    before = snapshot(world, uid, oid)
    events = world.outbox(uid, oid)

    replay = world.build_orchestrator()
    replay.consumer = f"saga-replay-{uuid.uuid4().hex[:8]}"  # as if the message log were lost
    assert set(await world.feed(list(reversed(events)), replay)) == {"stale"}
    assert snapshot(world, uid, oid) == before

    # Even with the saga row lost too, a reversed replay rebuilds it where the order is and repeats nothing.
    world.rows(uid, "DELETE FROM order_sagas WHERE order_id = %s RETURNING 1", (oid,))
    replay.consumer = f"saga-replay-{uuid.uuid4().hex[:8]}"
    outcomes = await world.feed(list(reversed(events)), replay)
    assert outcomes[0] == "advanced"
    assert set(outcomes[1:]) == {"stale"}
    after = snapshot(world, uid, oid)
    assert after["saga"][0]["state"] == "COMPLETED"
    assert {k: v for k, v in after.items() if k != "saga"} == {k: v for k, v in before.items() if k != "saga"}


@pytest.mark.parametrize(("cents", "reason"), [(13, "card_declined"), (17, "gateway_timeout")])
async def test_a_failed_payment_cancels_the_order(
    world: SagaWorld, customer: Any, order_of: OrderOf, cents: int, reason: str
) -> None:
    _, order = order_of(customer, cents)
    oid, uid = order["order_id"], customer.user_id
    await world.pump(uid, oid)
    saga = await world.saga(uid, oid)
    assert (saga.state, saga.reason, saga.deadline_at) == ("CANCELLED", f"payment failed: {reason}", None)
    assert order_status(world, uid, oid) == "CANCELLED"
    assert payment_status(world, uid, oid) == "FAILED"
    last = (await world.steps(uid, oid))[-1]
    assert last["trigger"] == "PaymentFailed"
    assert last["actions"]["cancel_order"] == "order is CANCELLED"  # the payment already cancelled it
    assert count(world, uid, oid, "PaymentRefunded") == 0  # nothing was taken


async def test_no_payment_outcome_by_the_deadline_cancels_the_order_and_releases_the_hold(
    world: SagaWorld, customer: Any, order_of: OrderOf
) -> None:
    _, order = order_of(customer, 42)  # held for fraud review: no event until an admin decides
    oid, uid = order["order_id"], customer.user_id
    await world.pump(uid, oid)
    saga = await world.saga(uid, oid)
    assert (saga.state, saga.deadline_kind) == ("PAYMENT_PENDING", "payment")
    assert payment_status(world, uid, oid) == "REVIEW"

    await world.wake(60)
    assert (await world.saga(uid, oid)).state == "PAYMENT_PENDING"  # not due yet
    await world.wake(3600)
    saga = await world.saga(uid, oid)
    assert (saga.state, saga.deadline_at) == ("CANCELLED", None)
    assert saga.reason == "no payment outcome within 3600 s"
    assert order_status(world, uid, oid) == "CANCELLED"
    assert payment_status(world, uid, oid) == "FAILED"  # the authorization was released
    assert (await world.steps(uid, oid))[-1]["trigger"] == "timer:payment"
    assert await world.pump(uid, oid) == ["stale"]  # the order's own CANCELLED event, arriving later


async def test_a_paid_order_nobody_accepts_is_refunded_at_the_kitchen_deadline(
    world: SagaWorld, customer: Any, order_of: OrderOf
) -> None:
    _, order = order_of(customer)
    oid, uid = order["order_id"], customer.user_id
    await world.pump(uid, oid)
    await world.wake(3601)
    saga = await world.saga(uid, oid)
    assert (saga.state, saga.reason) == ("REFUNDED", "restaurant did not accept within 3600 s")
    assert order_status(world, uid, oid) == "REFUNDED"
    assert payment_status(world, uid, oid) == "REFUNDED"
    assert count(world, uid, oid, "PaymentRefunded") == 1
    await world.pump(uid, oid)
    await world.wake(3601)
    assert count(world, uid, oid, "PaymentRefunded") == 1


async def test_a_deadline_follows_an_order_the_kitchen_accepted_just_in_time(
    world: SagaWorld, customer: Any, order_of: OrderOf, move_order: Move
) -> None:
    restaurant, order = order_of(customer)
    oid, uid = order["order_id"], customer.user_id
    await world.pump(uid, oid)
    move_order(restaurant.staff, oid, "ACCEPTED")  # its event has not reached the saga yet
    await world.wake(3601)
    saga = await world.saga(uid, oid)
    assert (saga.state, saga.deadline_at) == ("IN_KITCHEN", None)
    assert payment_status(world, uid, oid) == "SUCCEEDED"
    assert (await world.steps(uid, oid))[-1]["trigger"] == "timer:kitchen:order ACCEPTED"


async def test_the_restaurant_rejecting_a_paid_order_refunds_it_once(
    world: SagaWorld, customer: Any, order_of: OrderOf, move_order: Move
) -> None:
    restaurant, order = order_of(customer)
    oid, uid = order["order_id"], customer.user_id
    await world.pump(uid, oid)
    move_order(restaurant.staff, oid, "REFUNDED", reason="out of dough")
    await world.pump(uid, oid)
    saga = await world.saga(uid, oid)
    assert (saga.state, saga.reason) == ("REFUNDED", "out of dough")
    assert payment_status(world, uid, oid) == "REFUNDED"
    assert count(world, uid, oid, "PaymentRefunded") == 1
    assert (await world.steps(uid, oid))[-1]["actions"]["refund_payment"] == "REFUNDED"


async def test_no_rider_by_the_deadline_escalates_once_and_continues_when_one_comes(
    world: SagaWorld, customer: Any, order_of: OrderOf, move_order: Move, rider_online: Callable[..., Any]
) -> None:
    restaurant, order = order_of(customer)
    oid, uid = order["order_id"], customer.user_id
    await world.pump(uid, oid)
    for status in ("ACCEPTED", "PREPARING", "READY"):
        move_order(restaurant.staff, oid, status)
    await world.pump(uid, oid)
    saga = await world.saga(uid, oid)
    assert (saga.state, saga.deadline_kind) == ("AWAITING_RIDER", "rider")

    await world.wake(3601)
    saga = await world.saga(uid, oid)
    assert (saga.state, saga.reason, saga.deadline_at) == ("ESCALATED", "no rider within 3600 s", None)
    assert saga.escalated_at is not None
    alerts = [n for n in await world.notifications(oid) if n.get("audience") == "ops"]
    assert len(alerts) == 1
    assert (alerts[0]["recipient"], alerts[0]["status"], alerts[0]["user_id"]) == (OPS_EMAIL, "sent", None)
    assert str(oid) in alerts[0]["subject"]
    outcome = await world.participants.run(Action.ALERT_OPS, saga, None, None)  # a retried step
    assert outcome.detail == "ops duplicate"
    await world.wake(3601)
    assert len([n for n in await world.notifications(oid) if n.get("audience") == "ops"]) == 1
    waiting = [saga.order_id for _, saga in await escalated_sagas(world.stack, 1000)]  # `pizza saga escalated`
    assert uuid.UUID(oid) in waiting
    found = await find_saga(world.stack, uuid.UUID(oid))  # `pizza saga show`
    assert found is not None
    assert found[1].state == "ESCALATED"
    assert [step["to"] for step in found[2]][-1] == "ESCALATED"

    rider = rider_online()  # going online assigns the oldest waiting order nearby (in the API)
    await world.pump(uid, oid)
    saga = await world.saga(uid, oid)
    assert saga.state == "RIDER_ASSIGNED"
    assert saga.escalated_at is not None
    delivery = world.row(uid, "SELECT rider_id FROM deliveries WHERE order_id = %s", (oid,))
    assert delivery == {"rider_id": rider.user_id}


async def test_the_rider_deadline_assigns_a_rider_who_became_available_meanwhile(
    world: SagaWorld, customer: Any, order_of: OrderOf, move_order: Move, city: str
) -> None:
    restaurant, order = order_of(customer)
    oid, uid = order["order_id"], customer.user_id
    await world.pump(uid, oid)
    for status in ("ACCEPTED", "PREPARING", "READY"):
        move_order(restaurant.staff, oid, status)
    await world.pump(uid, oid)
    rider_id = uuid.uuid4()
    await RiderRegistry(world.redis).go_online(rider_id, city, 52.5225, 13.4140)  # nobody told the waiting queue
    await world.wake(3601)
    saga = await world.saga(uid, oid)
    assert saga.state == "RIDER_ASSIGNED"
    assert saga.escalated_at is None
    assert world.row(uid, "SELECT rider_id FROM deliveries WHERE order_id = %s", (oid,)) == {"rider_id": rider_id}
    await world.pump(uid, oid)  # the DeliveryAssigned it wrote changes nothing more
    assert (await world.saga(uid, oid)).state == "RIDER_ASSIGNED"


async def test_a_step_that_crashes_halfway_is_rolled_back_and_completed_on_the_next_delivery(
    world: SagaWorld, customer: Any, order_of: OrderOf, move_order: Move
) -> None:
    restaurant, order = order_of(customer)
    oid, uid = order["order_id"], customer.user_id
    await world.pump(uid, oid)
    move_order(restaurant.staff, oid, "REFUNDED", reason="oven broke")
    rejected = world.outbox(uid, oid)[-1]
    assert rejected.event_type == "OrderStatusChanged"

    dead_redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    crashing = world.build_orchestrator(redis=dead_redis)
    with pytest.raises(redis.exceptions.ConnectionError):
        await crashing.handle(rejected, rejected.parse())  # refund done, then releasing the rider fails
    await dead_redis.aclose()
    saga = await world.saga(uid, oid)
    assert saga.state == "AWAITING_KITCHEN"  # the step left nothing behind ...
    logged = world.row(
        uid, "SELECT 1 AS x FROM processed_events WHERE consumer = 'saga' AND event_id = %s", (rejected.event_id,)
    )
    assert logged is None  # ... not even its message-log entry
    assert payment_status(world, uid, oid) == "REFUNDED"  # but the refund it made stands

    assert await world.feed([rejected]) == ["advanced"]  # redelivered: the step completes
    saga = await world.saga(uid, oid)
    assert saga.state == "REFUNDED"
    assert (await world.steps(uid, oid))[-1]["actions"]["refund_payment"] == "REFUNDED (already)"
    assert count(world, uid, oid, "PaymentRefunded") == 1


async def test_concurrent_timers_compensate_each_due_saga_exactly_once(
    world: SagaWorld, make_user: Callable[..., Any], order_of: OrderOf
) -> None:
    orders = []
    for _ in range(4):
        customer = make_user()
        _, order = order_of(customer)
        await world.pump(customer.user_id, order["order_id"])
        orders.append((customer.user_id, order["order_id"]))
    second = world.build_orchestrator()
    world.clock.offset += timedelta(seconds=3601)
    shards = sorted(world.db.shards)
    await asyncio.gather(*(o.wake_due(s) for o in (world.orchestrator, second) for s in shards))
    for uid, oid in orders:
        assert (await world.saga(uid, oid)).state == "REFUNDED"
        assert [s["trigger"] for s in await world.steps(uid, oid)].count("timer:kitchen") == 1
        assert count(world, uid, oid, "PaymentRefunded") == 1
