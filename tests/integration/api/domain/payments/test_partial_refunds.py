"""Refunds by amount against the real shards with the simulated gateway: partial, the rest, never too much."""

from __future__ import annotations

import asyncio
import uuid
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
from api.lib.errors import ConflictError, UnprocessableError
from pizza.contracts.events import EventEnvelope, OrderCreated, OrderLine
from pizza.ids import new_id

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


@pytest.fixture
def service(databases: Databases, redis: Redis) -> PaymentService:
    settings = PaymentSettings(gateway_attempts=2, gateway_backoff_seconds=0)
    return PaymentService(databases, redis, SimulatedGateway(settings), settings, RecordedOrders())


def order_created(total_cents: int, currency: str = "EUR") -> EventEnvelope:
    event = OrderCreated(
        order_id=new_id(), user_id=uuid.uuid4(), restaurant_id=uuid.uuid4(), city="Berlin", currency=currency,
        subtotal_cents=total_cents, discount_cents=0, delivery_fee_cents=0, total_cents=total_cents,
        items=[OrderLine(menu_item_id="margherita", name="Margherita", quantity=1, unit_price_cents=total_cents)],
        created_at=datetime.now(UTC),
    )  # fmt: skip
    return envelope_of(event)


async def paid(service: PaymentService, total_cents: int, currency: str = "EUR") -> dict[str, Any]:
    result = await service.handle_order_created(order_created(total_cents, currency))
    assert result.status == "SUCCEEDED"
    return result.payment


async def fetch(db: Databases, user_id: uuid.UUID, sql: str, *params: Any) -> list[dict[str, Any]]:
    async with db.user_tx(user_id) as conn:
        cur = await conn.execute(sql, params)
        return await cur.fetchall()  # type: ignore[return-value]


async def events_of(db: Databases, payment: dict[str, Any]) -> list[dict[str, Any]]:
    return await fetch(
        db,
        payment["user_id"],
        "SELECT event_type, payload FROM outbox WHERE aggregate_id = %s AND event_type LIKE 'PaymentRefund%%'"
        " OR aggregate_id = %s AND event_type = 'PaymentPartiallyRefunded' ORDER BY created_at",
        str(payment["order_id"]),
        str(payment["order_id"]),
    )


async def payment_now(db: Databases, payment: dict[str, Any]) -> dict[str, Any]:
    [row] = await fetch(db, payment["user_id"], "SELECT * FROM payments WHERE payment_id = %s", payment["payment_id"])
    return row


async def refund(service: PaymentService, payment: dict[str, Any], cents: int, key: str) -> dict[str, Any]:
    staff = uuid.uuid4()
    return await service.refund_amount(payment["order_id"], payment["user_id"], cents, "cold pizza", staff, key)


async def test_a_partial_refund_keeps_the_payment_captured_and_the_rest_refunds_it(
    service: PaymentService, databases: Databases
) -> None:
    payment = await paid(service, 2000)
    first = await refund(service, payment, 500, "r1")
    assert first["status"] == "succeeded"
    assert first["amount_cents"] == 500
    assert first["provider_ref"].startswith("sim_re_")
    after_first = await payment_now(databases, payment)
    assert (after_first["status"], after_first["refunded_cents"]) == ("SUCCEEDED", 500)

    second = await refund(service, payment, 1500, "r2")
    assert second["provider_ref"] != first["provider_ref"]  # its own idempotency key at the provider
    after_second = await payment_now(databases, payment)
    assert (after_second["status"], after_second["refunded_cents"]) == ("REFUNDED", 2000)

    events = await events_of(databases, payment)
    assert [e["event_type"] for e in events] == ["PaymentPartiallyRefunded", "PaymentRefunded"]
    assert events[0]["payload"]["refund_cents"] == 500
    assert events[0]["payload"]["refunded_cents"] == 500
    assert events[1]["payload"]["refund_cents"] == 1500
    assert events[1]["payload"]["refunded_cents"] == 2000
    assert events[1]["payload"]["refund_id"] == str(second["refund_id"])


async def test_the_same_key_refunds_once_and_another_amount_under_it_is_refused(
    service: PaymentService, databases: Databases
) -> None:
    payment = await paid(service, 2000)
    first = await refund(service, payment, 700, "support-ticket-1")
    again = await refund(service, payment, 700, "support-ticket-1")
    assert again["refund_id"] == first["refund_id"]
    assert (await payment_now(databases, payment))["refunded_cents"] == 700
    assert len(await events_of(databases, payment)) == 1
    with pytest.raises(ConflictError):
        await refund(service, payment, 800, "support-ticket-1")


async def test_more_than_is_left_is_refused(service: PaymentService, databases: Databases) -> None:
    payment = await paid(service, 2000)
    await refund(service, payment, 1200, "a")
    with pytest.raises(UnprocessableError, match="only 800"):
        await refund(service, payment, 801, "b")
    with pytest.raises(UnprocessableError):
        await refund(service, payment, 0, "c")
    assert (await payment_now(databases, payment))["refunded_cents"] == 1200


async def test_concurrent_refunds_never_exceed_the_capture(service: PaymentService, databases: Databases) -> None:
    payment = await paid(service, 2000)
    results = await asyncio.gather(*(refund(service, payment, 600, f"k{i}") for i in range(4)), return_exceptions=True)
    refused = [r for r in results if isinstance(r, UnprocessableError)]
    done = [r for r in results if isinstance(r, dict)]
    assert len(done) == 3
    assert len(refused) == 1
    assert (await payment_now(databases, payment))["refunded_cents"] == 1800
    stored = await fetch(
        databases, payment["user_id"], "SELECT amount_cents FROM payment_refunds WHERE payment_id = %s",
        payment["payment_id"],
    )  # fmt: skip
    assert sum(r["amount_cents"] for r in stored) == 1800


async def test_cancelling_the_order_refunds_what_is_left(service: PaymentService, databases: Databases) -> None:
    payment = await paid(service, 2000)
    await refund(service, payment, 300, "partial")
    result = await service.refund_order(payment["order_id"], payment["user_id"], "cancelled by the restaurant")
    assert result is not None
    assert result.changed
    assert result.status == "REFUNDED"
    rows = await service.refunds_for(payment["order_id"], payment["user_id"])
    assert [r["amount_cents"] for r in rows] == [300, 1700]
    again = await service.refund_order(payment["order_id"], payment["user_id"], "cancelled by the restaurant")
    assert again is not None
    assert not again.changed


async def test_a_refund_the_provider_refuses_is_failed_and_gives_its_amount_back(
    databases: Databases, redis: Redis
) -> None:
    settings = PaymentSettings(gateway_attempts=1, sim_refund_decline_cents=66)
    service = PaymentService(databases, redis, SimulatedGateway(settings), settings, RecordedOrders())
    payment = await paid(service, 2000)
    refused = await refund(service, payment, 566, "disputed")
    assert refused["status"] == "failed"
    assert "charge_disputed" in refused["failure_reason"]
    assert (await payment_now(databases, payment))["refunded_cents"] == 0
    assert (await refund(service, payment, 2000, "all"))["status"] == "succeeded"  # the refused amount came back
    assert (await payment_now(databases, payment))["status"] == "REFUNDED"


async def test_a_payment_not_captured_cannot_be_refunded(service: PaymentService) -> None:
    result = await service.handle_order_created(order_created(1913))  # the simulated decline
    assert result.status == "FAILED"
    with pytest.raises(ConflictError):
        await refund(service, result.payment, 100, "x")


def charge_refunded(payment: dict[str, Any], amount_refunded: int) -> dict[str, Any]:
    return {
        "id": f"evt_{uuid.uuid4().hex[:16]}",
        "object": "event",
        "type": "charge.refunded",
        "data": {
            "object": {
                "id": "ch_1",
                "object": "charge",
                "payment_intent": payment["provider_ref"],
                "amount": payment["amount_cents"],
                "amount_refunded": amount_refunded,
                "currency": payment["currency"].lower(),
                "metadata": {"user_id": str(payment["user_id"]), "payment_id": str(payment["payment_id"])},
            }
        },
    }


async def test_a_partial_refund_at_the_provider_is_recorded_from_the_running_total(
    service: PaymentService, databases: Databases
) -> None:
    payment = await paid(service, 2000)
    await refund(service, payment, 400, "ours")  # Stripe's event for our own refund counts it already
    assert await service.apply_stripe_event(charge_refunded(payment, 400)) == "charge.refunded: no change"
    assert await service.apply_stripe_event(charge_refunded(payment, 1000)) == "charge.refunded: SUCCEEDED"
    assert (await payment_now(databases, payment))["refunded_cents"] == 1000
    assert await service.apply_stripe_event(charge_refunded(payment, 2000)) == "charge.refunded: REFUNDED"
    rows = await service.refunds_for(payment["order_id"], payment["user_id"])
    assert [(r["amount_cents"], r["requested_by"] is None) for r in rows] == [(400, False), (600, True), (1000, True)]
    assert [e["event_type"] for e in await events_of(databases, payment)] == [
        "PaymentPartiallyRefunded",
        "PaymentPartiallyRefunded",
        "PaymentRefunded",
    ]
