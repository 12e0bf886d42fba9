"""The payment service end to end against the real shards and Redis, with the simulated gateway."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from payments_doubles import RecordedOrders
from redis.asyncio import Redis
from support.events import envelope_of

from api.db import Databases
from api.domain.payments.providers import SimulatedGateway
from api.domain.payments.services import PaymentService
from api.domain.payments.settings import PaymentSettings
from api.lib.errors import ConflictError
from pizza.contracts.events import EventEnvelope, OrderCreated, OrderLine, OutboxEvent
from pizza.ids import new_id

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

Factory = Callable[..., PaymentService]


@pytest.fixture
def orders() -> RecordedOrders:
    return RecordedOrders()


@pytest.fixture
def make_service(databases: Databases, redis: Redis, orders: RecordedOrders) -> Factory:
    def make(**overrides: Any) -> PaymentService:
        settings = PaymentSettings(gateway_attempts=2, gateway_backoff_seconds=0, **overrides)
        return PaymentService(databases, redis, SimulatedGateway(settings), settings, orders)

    return make


def order_created(total_cents: int, user_id: uuid.UUID | None = None) -> EventEnvelope:
    event = OrderCreated(
        order_id=new_id(), user_id=user_id or uuid.uuid4(), restaurant_id=uuid.uuid4(), city="Berlin",
        currency="EUR", subtotal_cents=total_cents, discount_cents=0, delivery_fee_cents=0, total_cents=total_cents,
        items=[OrderLine(menu_item_id="margherita", name="Margherita", quantity=1, unit_price_cents=total_cents)],
        created_at=datetime.now(UTC),
    )  # fmt: skip
    return envelope_of(event)


async def rows(db: Databases, user_id: uuid.UUID, sql: str, *params: Any) -> list[dict[str, Any]]:
    async with db.user_tx(user_id) as conn:
        cur = await conn.execute(sql, params)
        return await cur.fetchall()  # type: ignore[return-value]


async def outbox_of(db: Databases, env: EventEnvelope) -> list[str]:
    user_id = uuid.UUID(env.payload["user_id"])
    found = await rows(
        db, user_id, "SELECT event_type FROM outbox WHERE aggregate_id = %s ORDER BY created_at", env.aggregate_id
    )
    return [r["event_type"] for r in found]


async def test_an_approved_payment_succeeds_once_however_often_the_event_arrives(
    make_service: Factory, databases: Databases, orders: RecordedOrders
) -> None:
    service, env = make_service(), order_created(2450)
    first = await service.handle_order_created(env)
    second = await service.handle_order_created(env)

    assert first.changed
    assert first.status == "SUCCEEDED"
    assert not second.changed
    assert second.payment["payment_id"] == first.payment["payment_id"]
    user_id = uuid.UUID(env.payload["user_id"])
    stored = await rows(databases, user_id, "SELECT * FROM payments WHERE order_id = %s", uuid.UUID(env.aggregate_id))
    assert len(stored) == 1
    assert stored[0]["status"] == "SUCCEEDED"
    assert stored[0]["provider"] == "simulated"
    assert stored[0]["provider_ref"].startswith("sim_pi_")
    assert stored[0]["source_event_id"] == env.event_id
    assert stored[0]["amount_cents"] == 2450
    assert await outbox_of(databases, env) == ["PaymentSucceeded"]
    history = await rows(
        databases, user_id, "SELECT to_status FROM order_status_history WHERE order_id = %s", stored[0]["order_id"]
    )
    assert [h["to_status"] for h in history] == ["PAID"]  # written in the payment's transaction
    assert orders.committed == [(stored[0]["order_id"], "PAID")]


async def test_the_outbox_event_carries_the_payment(make_service: Factory, databases: Databases) -> None:
    env = order_created(1800)
    result = await make_service().handle_order_created(env)
    [row] = await rows(
        databases, uuid.UUID(env.payload["user_id"]), "SELECT * FROM outbox WHERE aggregate_id = %s", env.aggregate_id
    )
    assert row["aggregate_type"] == "order"
    assert row["schema_version"] == 1
    assert row["payload"]["payment_id"] == str(result.payment["payment_id"])
    assert row["payload"]["amount_cents"] == 1800
    assert row["payload"]["provider_ref"] == result.payment["provider_ref"]


async def test_concurrent_deliveries_charge_once(make_service: Factory, databases: Databases) -> None:
    service, env = make_service(), order_created(2600)
    results = await asyncio.gather(*(service.handle_order_created(env) for _ in range(4)))
    assert sum(r.changed for r in results) == 1
    assert await outbox_of(databases, env) == ["PaymentSucceeded"]


async def test_a_decline_fails_the_payment_and_cancels_the_order(
    make_service: Factory, databases: Databases, orders: RecordedOrders
) -> None:
    env = order_created(1913)
    result = await make_service().handle_order_created(env)
    assert result.status == "FAILED"
    assert result.payment["failure_reason"] == "card_declined"
    assert await outbox_of(databases, env) == ["PaymentFailed"]
    assert orders.moved[0][1:] == ("CANCELLED", "payment failed: card_declined")
    again = await make_service().handle_order_created(env)
    assert not again.changed
    assert await outbox_of(databases, env) == ["PaymentFailed"]


async def test_a_gateway_that_keeps_timing_out_fails_the_payment_after_the_retries(
    make_service: Factory, databases: Databases
) -> None:
    env = order_created(2017)
    result = await make_service().handle_order_created(env)
    assert result.status == "FAILED"
    assert result.payment["failure_reason"] == "gateway_timeout"
    assert await outbox_of(databases, env) == ["PaymentFailed"]


async def test_a_gateway_risk_flag_holds_the_payment_for_review_without_an_event(
    make_service: Factory, databases: Databases, orders: RecordedOrders
) -> None:
    env = order_created(3142)
    result = await make_service().handle_order_created(env)
    assert result.status == "REVIEW"
    assert result.payment["fraud_reasons"] == ["provider_risk"]
    assert result.payment["fraud_score"] == 60
    assert await outbox_of(databases, env) == []
    assert orders.moved == []


async def test_approving_a_review_captures_and_emits_success_once(
    make_service: Factory, databases: Databases, orders: RecordedOrders
) -> None:
    service, env, admin = make_service(), order_created(3142), uuid.uuid4()
    held = await service.handle_order_created(env)
    found = await service.find(held.payment["payment_id"])
    approved = await service.review(found, "approve", admin)
    assert approved.status == "SUCCEEDED"
    assert approved.payment["review_decision"] == "approved"
    assert approved.payment["reviewed_by"] == admin
    assert await outbox_of(databases, env) == ["PaymentSucceeded"]
    assert orders.moved[0][1] == "PAID"
    with pytest.raises(ConflictError):
        await service.review(approved.payment, "approve", admin)


async def test_rejecting_a_review_fails_the_payment(make_service: Factory, databases: Databases) -> None:
    service, env = make_service(), order_created(3142)
    held = await service.handle_order_created(env)
    rejected = await service.review(held.payment, "reject", uuid.uuid4())
    assert rejected.status == "FAILED"
    assert rejected.payment["review_decision"] == "rejected"
    assert await outbox_of(databases, env) == ["PaymentFailed"]


async def test_the_review_queue_lists_held_payments_across_shards(make_service: Factory) -> None:
    service = make_service()
    held = [await service.handle_order_created(order_created(2042)) for _ in range(3)]
    queue = {r["payment_id"] for r in await service.in_review(limit=500)}
    assert {h.payment["payment_id"] for h in held} <= queue


async def test_user_velocity_holds_the_payment_over_the_limit(make_service: Factory) -> None:
    service, user_id = make_service(fraud_max_payments_per_user=2, fraud_max_payments_per_card=99), uuid.uuid4()
    statuses = [(await service.handle_order_created(order_created(1500, user_id))).payment for _ in range(3)]
    assert [p["status"] for p in statuses] == ["SUCCEEDED", "SUCCEEDED", "REVIEW"]
    assert statuses[2]["fraud_reasons"] == ["user_velocity"]


async def test_card_velocity_is_counted_in_redis_across_payments(make_service: Factory, redis: Redis) -> None:
    service, user_id = make_service(fraud_max_payments_per_user=99, fraud_max_payments_per_card=2), uuid.uuid4()
    results = [(await service.handle_order_created(order_created(1500, user_id))).payment for _ in range(3)]
    assert [p["status"] for p in results] == ["SUCCEEDED", "SUCCEEDED", "REVIEW"]
    assert results[2]["fraud_reasons"] == ["card_velocity"]
    fingerprint = results[0]["card_fingerprint"]
    assert await redis.zcard(f"pizza:payments:card:{fingerprint}") == 3


async def test_a_first_large_order_is_an_amount_outlier(make_service: Factory) -> None:
    result = await make_service(fraud_new_user_cap_cents=30_000).handle_order_created(order_created(45_000))
    assert result.status == "REVIEW"
    assert result.payment["fraud_reasons"] == ["amount_outlier"]


async def test_refunding_a_cancelled_order_refunds_once(make_service: Factory, databases: Databases) -> None:
    service, env = make_service(), order_created(2200)
    paid = await service.handle_order_created(env)
    order_id, user_id = paid.payment["order_id"], paid.payment["user_id"]
    refunded = await service.refund_order(order_id, user_id, "cancelled by customer")
    again = await service.refund_order(order_id, user_id, "cancelled by customer")

    assert refunded is not None
    assert refunded.changed
    assert refunded.status == "REFUNDED"
    assert refunded.payment["refund_ref"].startswith("sim_re_")
    assert refunded.payment["refunded_at"] is not None
    assert again is not None
    assert not again.changed
    assert await outbox_of(databases, env) == ["PaymentSucceeded", "PaymentRefunded"]


async def test_cancelling_an_order_in_review_releases_the_hold(make_service: Factory, databases: Databases) -> None:
    service, env = make_service(), order_created(3142)
    held = await service.handle_order_created(env)
    result = await service.refund_order(held.payment["order_id"], held.payment["user_id"], "cancelled")
    assert result is not None
    assert result.status == "FAILED"
    assert result.payment["failure_reason"] == "voided: cancelled"
    assert await outbox_of(databases, env) == []


async def test_refunding_an_order_without_payment_does_nothing(make_service: Factory) -> None:
    assert await make_service().refund_order(uuid.uuid4(), uuid.uuid4(), "cancelled") is None


async def test_an_event_of_another_type_is_refused(make_service: Factory) -> None:
    env = order_created(1000).model_copy(update={"event_type": "OrderStatusChanged"})
    with pytest.raises(Exception):  # noqa: B017, PT011 - a validation error of the payload, whatever its class
        await make_service().handle_order_created(env)


async def pending_payment(databases: Databases, amount_cents: int = 2000) -> dict[str, Any]:
    """A payment whose charge never came back (e.g. the process died mid-call)."""
    from api.domain.payments import repositories as repo

    user_id = uuid.uuid4()
    async with databases.user_tx(user_id) as conn:
        row = await repo.insert_pending(
            conn, payment_id=new_id(), order_id=new_id(), user_id=user_id, amount_cents=amount_cents,
            currency="EUR", provider="stripe", source_event_id=None,
        )  # fmt: skip
    assert row is not None
    return row


def stripe_event(kind: str, payment: dict[str, Any], **obj: Any) -> dict[str, Any]:
    meta = {"user_id": str(payment["user_id"]), "payment_id": str(payment["payment_id"])}
    return {
        "id": f"evt_{uuid.uuid4().hex[:16]}",
        "object": "event",
        "type": kind,
        "data": {
            "object": {
                "id": "pi_from_stripe",
                "amount": payment["amount_cents"],
                "currency": str(payment["currency"]).lower(),
                "metadata": meta,
                **obj,
            }
        },
    }


async def test_a_stripe_success_webhook_completes_a_pending_payment_once(
    make_service: Factory, databases: Databases, orders: RecordedOrders
) -> None:
    payment, service = await pending_payment(databases), make_service()
    event = stripe_event("payment_intent.succeeded", payment)
    assert await service.apply_stripe_event(event) == "payment_intent.succeeded: SUCCEEDED"
    assert await service.apply_stripe_event(event) == "duplicate"
    again = stripe_event("payment_intent.succeeded", payment)  # another event id, same news
    assert await service.apply_stripe_event(again) == "payment_intent.succeeded: no change"
    [stored] = await rows(databases, payment["user_id"], "SELECT * FROM payments WHERE payment_id = %s",
                          payment["payment_id"])  # fmt: skip
    assert stored["status"] == "SUCCEEDED"
    assert stored["provider_ref"] == "pi_from_stripe"
    assert [m[1] for m in orders.moved] == ["PAID"]


async def test_a_stripe_failure_webhook_fails_a_pending_payment(make_service: Factory, databases: Databases) -> None:
    payment = await pending_payment(databases)
    event = stripe_event("payment_intent.payment_failed", payment, last_payment_error={"decline_code": "lost_card"})
    assert await make_service().apply_stripe_event(event) == "payment_intent.payment_failed: FAILED"
    [stored] = await rows(databases, payment["user_id"], "SELECT * FROM payments WHERE payment_id = %s",
                          payment["payment_id"])  # fmt: skip
    assert stored["failure_reason"] == "lost_card"


async def test_stripe_events_without_our_metadata_are_ignored(make_service: Factory) -> None:
    event = {"id": "evt_1", "object": "event", "type": "payment_intent.succeeded", "data": {"object": {}}}
    assert await make_service().apply_stripe_event(event) == "ignored: no payment metadata"


def status_changed(payment: dict[str, Any], to_status: str) -> EventEnvelope:
    from pizza.contracts.events import OrderStatusChanged

    event = OrderStatusChanged(
        order_id=payment["order_id"], user_id=payment["user_id"], restaurant_id=uuid.uuid4(), from_status="PAID",
        to_status=to_status, reason="customer changed their mind", changed_at=datetime.now(UTC),  # type: ignore[arg-type]
    )  # fmt: skip
    row = OutboxEvent.of(event)
    return EventEnvelope(**row.model_dump(), occurred_at=datetime.now(UTC))


async def test_an_order_refunded_event_refunds_its_payment_once(make_service: Factory, databases: Databases) -> None:
    service, env = make_service(), order_created(2300)
    paid = (await service.handle_order_created(env)).payment
    assert await service.handle_order_status_changed(status_changed(paid, "ACCEPTED")) is None
    first = await service.handle_order_status_changed(status_changed(paid, "REFUNDED"))
    second = await service.handle_order_status_changed(status_changed(paid, "REFUNDED"))
    assert first is not None
    assert first.status == "REFUNDED"
    assert first.payment["failure_reason"] == "customer changed their mind"
    assert second is not None
    assert not second.changed
    assert await outbox_of(databases, env) == ["PaymentSucceeded", "PaymentRefunded"]


async def test_a_capture_for_an_order_cancelled_meanwhile_is_refunded_at_once(
    make_service: Factory, databases: Databases, orders: RecordedOrders
) -> None:
    orders.cancelled = True
    env = order_created(2100)
    result = await make_service().handle_order_created(env)
    assert result.status == "REFUNDED"
    assert result.payment["failure_reason"] == "order cancelled while paying"
    assert result.payment["refund_ref"].startswith("sim_re_")
    assert await outbox_of(databases, env) == ["PaymentRefunded"]
    assert not (await make_service().handle_order_created(env)).changed


async def test_a_failed_payment_for_an_order_already_cancelled_just_fails(
    make_service: Factory, databases: Databases, orders: RecordedOrders
) -> None:
    orders.cancelled = True
    env = order_created(1913)
    result = await make_service().handle_order_created(env)
    assert result.status == "FAILED"
    assert await outbox_of(databases, env) == ["PaymentFailed"]
