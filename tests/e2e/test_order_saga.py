"""The order saga end to end on the real stack: orders placed and moved through the HTTP API, the CDC
relay publishing the outbox to Kafka, ``pizza saga run`` consuming it as a child process.

Every path is checked where a customer or an operator would see it: order status over HTTP, events on
``events.order``, the MongoDB notification log, the loyalty ledger, the saga row. The last test replays
everything: a second consumer process over the same topics, and then every event of these orders fed
to the handlers in reverse order with a fresh message log; neither changes anything.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg
import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from psycopg.rows import dict_row
from pymongo import MongoClient
from redis import Redis
from saga_e2e_support import OPS_EMAIL, RIDER_TIMEOUT_S, SagaRun

from api.domain.coupons import CouponService
from api.domain.notifications.templates import TEMPLATES, template_key
from api.domain.saga.settings import SagaSettings
from pizza.config import PlatformSettings
from pizza.contracts.events import EventEnvelope, events_topic
from pizza.db.shards import ShardMap
from pizza.messaging.consumer import decode
from pizza.money import Threshold
from workers.saga.app import SagaProcess
from workers.saga.purposes import coupons_handler, live_handler, notifications_handler

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ONE_PIZZA = [{"menu_item_id": "margherita", "size": "large", "toppings": [], "quantity": 1}]
# The API fixtures' address is ~0.5 km from the restaurant: base fee + 1 started km, in dollars, charged in euros.
DELIVERY_FEE_CENTS = Threshold(199 + 50).in_currency("EUR")
NEAR_RESTAURANT = {"lat": 52.5225, "lon": 13.4140}


def wait_for(check: Callable[[], Any], what: str, timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Shop:
    """The test's view of the platform: HTTP for what users do and see, the stores for what they cannot."""

    stack: PlatformSettings
    http: httpx.Client
    make_user: Callable[..., Any]
    make_restaurant: Callable[..., Any]
    place_order: Callable[..., dict[str, Any]]
    move_order: Callable[..., dict[str, Any]]
    placed: list[tuple[Any, str]] = field(default_factory=list)

    # --- acting ---------------------------------------------------------------------------------------
    def restaurant(self, city: str, cents: int = 50) -> Any:
        """A restaurant whose one-pizza order totals ``…<cents>`` (the simulated gateway decides by the
        cents: 13 declines, 42 is held for review, anything else is approved)."""
        price = 1000 + (cents - DELIVERY_FEE_CENTS) % 100
        menu = {"items": [{"id": "margherita", "name": "Margherita", "description": "Tomato, basil",
                           "category": "pizza", "sizes": [{"name": "large", "price_cents": price}],
                           "toppings": [], "available": True, "tags": []}]}  # fmt: skip
        return self.make_restaurant(menu=menu, city=city)

    def order(self, customer: Any, restaurant: Any, cents: int = 50) -> str:
        order = self.place_order(customer, restaurant.restaurant_id, items=ONE_PIZZA)
        assert order["total_cents"] % 100 == cents, order["total_cents"]
        self.placed.append((customer, order["order_id"]))
        return str(order["order_id"])

    def rider_online(self, city: str) -> Any:
        rider = self.make_user("rider", city=city)
        response = self.http.post("/riders/me/online", json={**NEAR_RESTAURANT, "city": city}, headers=rider.headers)
        assert response.status_code == 200, response.text
        return rider

    # --- seeing -----------------------------------------------------------------------------------------
    def status(self, customer: Any, order_id: str) -> str:
        response = self.http.get(f"/orders/{order_id}", headers=customer.headers)
        assert response.status_code == 200, response.text
        return str(response.json()["status"])

    def wait_status(self, customer: Any, order_id: str, status: str, timeout_s: float = 30.0) -> None:
        wait_for(lambda: self.status(customer, order_id) == status, f"order {order_id} to be {status}", timeout_s)

    def payments(self, customer: Any, order_id: str) -> list[str]:
        response = self.http.get(f"/orders/{order_id}/payments", headers=customer.headers)
        if response.status_code == 404:  # no payment yet
            return []
        assert response.status_code == 200, response.text
        return [p["status"] for p in response.json()]

    def shard(self, user_id: uuid.UUID) -> str:
        with psycopg.connect(self.stack.catalog) as conn:
            return self.stack.shards[ShardMap.load(conn).shard_for_user(user_id)]

    def rows(self, user_id: uuid.UUID, sql: str, params: Any = None) -> list[dict[str, Any]]:
        with psycopg.connect(self.shard(user_id), row_factory=dict_row) as conn:
            return conn.execute(sql, params).fetchall()

    def saga(self, customer: Any, order_id: str) -> dict[str, Any] | None:
        found = self.rows(customer.user_id, "SELECT * FROM order_sagas WHERE order_id = %s", (order_id,))
        return found[0] if found else None

    def wait_saga(self, customer: Any, order_id: str, state: str, timeout_s: float = 30.0) -> dict[str, Any]:
        def reached() -> dict[str, Any] | None:
            saga = self.saga(customer, order_id)
            return saga if saga and saga["state"] == state else None

        return wait_for(reached, f"saga of {order_id} to be {state}", timeout_s)  # type: ignore[no-any-return]

    def outbox(self, customer: Any, order_id: str) -> list[dict[str, Any]]:
        sql = "SELECT event_id, event_type, payload FROM outbox WHERE aggregate_id = %s ORDER BY created_at, event_id"
        return self.rows(customer.user_id, sql, (order_id,))

    def read_topic(self, topic: str) -> list[EventEnvelope]:
        """Every message on ``topic``, in partition order, read without a consumer group (no join to wait for)."""
        config = {"bootstrap.servers": self.stack.kafka, "group.id": "e2e-reader", "enable.auto.commit": False}
        reader = Consumer(config)
        partitions = reader.list_topics(topic, timeout=10).topics[topic].partitions
        reader.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        found: list[EventEnvelope] = []
        try:
            idle_since = time.monotonic()
            while time.monotonic() - idle_since < 1.0:
                batch = [m for m in reader.consume(500, 0.2) if m.error() is None]
                if batch:
                    idle_since = time.monotonic()
                found += [decode(m.value())[0] for m in batch]
        finally:
            reader.close()
        return found

    def kafka_events(self, order_ids: set[str]) -> list[EventEnvelope]:
        """Every message on ``events.order`` about these orders, in partition order."""
        return [e for e in self.read_topic(events_topic("order")) if e.aggregate_id in order_ids]

    def wait_on_kafka(self, *orders: tuple[Any, str]) -> list[EventEnvelope]:
        """Wait until every outbox event of the orders is on Kafka; return them (one per event id)."""
        expected = {str(r["event_id"]) for customer, oid in orders for r in self.outbox(customer, oid)}

        def arrived() -> list[EventEnvelope] | None:
            events = self.kafka_events({oid for _, oid in orders})
            return events if expected <= {str(e.event_id) for e in events} else None

        events: list[EventEnvelope] = wait_for(arrived, f"the events of {len(orders)} order(s) on Kafka")
        assert {str(e.event_id) for e in events} == expected  # nothing on Kafka that was not committed
        return events

    def notifications(self, order_id: str) -> list[dict[str, Any]]:
        with MongoClient(self.stack.mongo) as client:
            return list(client[self.stack.mongo_database]["notification_log"].find({"order_id": order_id}))


def announced(events: list[EventEnvelope]) -> set[str]:
    """The events a customer is told about (those with a template)."""
    return {str(e.event_id) for e in events if template_key(e.parse()) in TEMPLATES}


def assert_notified_once(shop: Shop, order_id: str, events: list[EventEnvelope], run: SagaRun) -> None:
    """Every announced event in the log exactly once (email is the default channel), and sent once."""
    expected = announced(events)
    docs = wait_for(
        lambda: (
            (d := [n for n in shop.notifications(order_id) if n.get("audience") != "ops"])
            and {n["event_id"] for n in d} >= expected
            and all(n["status"] == "sent" for n in d)
            and d
        ),
        f"the notifications of {order_id}",
    )
    assert sorted(n["event_id"] for n in docs) == sorted(expected)  # one per event, none for the rest
    lines = [json.loads(line) for line in run.notifications_file.read_text().splitlines()]
    ours = {str(e.event_id) for e in events}
    sent = sorted(line["event_id"] for line in lines if line["event_id"] in ours)
    assert sent == sorted(expected)  # what the log provider actually "sent": each once


@pytest.fixture(scope="module")
def shop(
    stack: PlatformSettings, http: httpx.Client, make_user: Any, make_restaurant: Any, place_order: Any,
    move_order: Any, saga_run: SagaRun,
) -> Shop:  # fmt: skip
    return Shop(stack, http, make_user, make_restaurant, place_order, move_order)


def city() -> str:
    return f"E2E Saga City {uuid.uuid4().hex[:8]}"


def test_the_saga_process_reports_health_and_metrics(saga_run: SagaRun) -> None:
    assert httpx.get(f"{saga_run.url}/health", timeout=5).text == "ok\n"
    metrics = httpx.get(f"{saga_run.url}/metrics", timeout=5).text
    assert "pizza_consumer_messages_total" in metrics
    assert "pizza_saga_transitions_total" in metrics


def test_an_order_goes_from_placement_to_delivered(shop: Shop, saga_run: SagaRun) -> None:
    where = city()
    rider = shop.rider_online(where)
    restaurant = shop.restaurant(where)
    customer = shop.make_user()
    oid = shop.order(customer, restaurant)

    shop.wait_status(customer, oid, "PAID")  # the saga charged it (simulated gateway approves)
    shop.move_order(restaurant.staff, oid, "ACCEPTED", estimated_ready_minutes=15)
    shop.move_order(restaurant.staff, oid, "PREPARING")
    shop.move_order(restaurant.staff, oid, "READY")
    shop.wait_saga(customer, oid, "RIDER_ASSIGNED")  # the nearest rider, assigned at once
    tracking = shop.http.get(f"/orders/{oid}/tracking", headers=customer.headers).json()
    assert tracking["delivery"]["rider_id"] == str(rider.user_id)
    shop.move_order(rider, oid, "PICKED_UP")
    shop.move_order(rider, oid, "DELIVERED")
    saga = shop.wait_saga(customer, oid, "COMPLETED")
    assert saga["deadline_at"] is None

    events = shop.wait_on_kafka((customer, oid))
    kinds = [(e.event_type, e.payload.get("to_status")) for e in events]
    assert kinds == [
        ("OrderCreated", None), ("PaymentSucceeded", None), ("OrderStatusChanged", "PAID"),
        ("OrderStatusChanged", "ACCEPTED"), ("OrderStatusChanged", "PREPARING"), ("OrderStatusChanged", "READY"),
        ("DeliveryAssigned", None), ("OrderStatusChanged", "PICKED_UP"), ("OrderStatusChanged", "DELIVERED"),
    ]  # fmt: skip
    assert_notified_once(shop, oid, events, saga_run)
    loyalty = wait_for(
        lambda: (body := shop.http.get("/users/me/loyalty", headers=customer.headers).json())["ledger"] and body,
        "loyalty points",
    )
    assert [(e["kind"], e["order_id"]) for e in loyalty["ledger"]] == [("earn", oid)]
    assert loyalty["balance"] == loyalty["ledger"][0]["points"] > 0
    with Redis.from_url(shop.stack.redis) as redis:  # the live consumer showed each status to WebSockets
        assert redis.exists(f"pizza:live:order:{oid}:changed_at")
    triggers = [s["trigger"] for s in saga["steps"]]
    assert triggers == ["OrderCreated", "PaymentSucceeded", "OrderStatusChanged:ACCEPTED",
                        "OrderStatusChanged:READY", "DeliveryAssigned", "OrderStatusChanged:PICKED_UP",
                        "OrderStatusChanged:DELIVERED"]  # fmt: skip


def test_a_declined_payment_cancels_the_order(shop: Shop, saga_run: SagaRun) -> None:
    restaurant = shop.restaurant(city(), cents=13)
    customer = shop.make_user()
    oid = shop.order(customer, restaurant, cents=13)
    shop.wait_status(customer, oid, "CANCELLED")
    saga = shop.wait_saga(customer, oid, "CANCELLED")
    assert saga["reason"] == "payment failed: card_declined"
    assert shop.payments(customer, oid) == ["FAILED"]
    events = shop.wait_on_kafka((customer, oid))
    assert [e.event_type for e in events] == ["OrderCreated", "PaymentFailed", "OrderStatusChanged"]
    assert_notified_once(shop, oid, events, saga_run)


def test_a_payment_that_never_completes_is_cancelled_at_the_deadline(shop: Shop, saga_run: SagaRun) -> None:
    restaurant = shop.restaurant(city(), cents=42)  # held for fraud review: no outcome until an admin decides
    customer = shop.make_user()
    oid = shop.order(customer, restaurant, cents=42)
    wait_for(lambda: shop.payments(customer, oid) == ["REVIEW"], "the payment to be held for review")
    assert shop.status(customer, oid) == "PENDING"
    shop.wait_status(customer, oid, "CANCELLED", timeout_s=30)
    saga = shop.wait_saga(customer, oid, "CANCELLED")
    assert saga["reason"].startswith("no payment outcome within")
    assert shop.payments(customer, oid) == ["FAILED"]  # the held authorization was released
    events = shop.wait_on_kafka((customer, oid))
    assert events[-1].payload["reason"] == saga["reason"]
    assert_notified_once(shop, oid, events, saga_run)


def test_a_restaurant_rejecting_a_paid_order_refunds_it(shop: Shop, saga_run: SagaRun) -> None:
    restaurant = shop.restaurant(city())
    customer = shop.make_user()
    oid = shop.order(customer, restaurant)
    shop.wait_status(customer, oid, "PAID")
    shop.move_order(restaurant.staff, oid, "REFUNDED", reason="out of mozzarella")
    saga = shop.wait_saga(customer, oid, "REFUNDED")
    assert saga["reason"] == "out of mozzarella"
    wait_for(lambda: shop.payments(customer, oid) == ["REFUNDED"], "the refund")
    events = shop.wait_on_kafka((customer, oid))
    assert [e.event_type for e in events].count("PaymentRefunded") == 1
    assert_notified_once(shop, oid, events, saga_run)


def test_a_paid_order_the_kitchen_never_accepts_is_refunded_at_the_deadline(shop: Shop, saga_run: SagaRun) -> None:
    restaurant = shop.restaurant(city())
    customer = shop.make_user()
    oid = shop.order(customer, restaurant)
    shop.wait_status(customer, oid, "PAID")
    shop.wait_status(customer, oid, "REFUNDED", timeout_s=30)
    saga = shop.wait_saga(customer, oid, "REFUNDED")
    assert saga["reason"].startswith("restaurant did not accept within")
    wait_for(lambda: shop.payments(customer, oid) == ["REFUNDED"], "the refund")
    events = shop.wait_on_kafka((customer, oid))
    assert [e.event_type for e in events].count("PaymentRefunded") == 1


def test_no_rider_in_time_escalates_to_ops_once_and_a_later_rider_continues(shop: Shop, saga_run: SagaRun) -> None:
    where = city()  # nobody rides here yet
    restaurant = shop.restaurant(where)
    customer = shop.make_user()
    oid = shop.order(customer, restaurant)
    shop.wait_status(customer, oid, "PAID")
    for status in ("ACCEPTED", "PREPARING", "READY"):
        shop.move_order(restaurant.staff, oid, status)
    saga = shop.wait_saga(customer, oid, "ESCALATED", timeout_s=RIDER_TIMEOUT_S + 30)
    assert saga["reason"].startswith("no rider within")
    alerts = wait_for(lambda: [n for n in shop.notifications(oid) if n.get("audience") == "ops"], "the ops alert")
    assert [(a["recipient"], a["status"]) for a in alerts] == [(OPS_EMAIL, "sent")]
    time.sleep(RIDER_TIMEOUT_S)  # nothing more is due: the alert stays single
    assert len([n for n in shop.notifications(oid) if n.get("audience") == "ops"]) == 1

    rider = shop.rider_online(where)  # going online takes the oldest waiting order nearby
    saga = shop.wait_saga(customer, oid, "RIDER_ASSIGNED")
    assert saga["escalated_at"] is not None
    shop.move_order(rider, oid, "PICKED_UP")
    shop.move_order(rider, oid, "DELIVERED")
    shop.wait_saga(customer, oid, "COMPLETED")


def snapshot(shop: Shop) -> dict[str, Any]:
    """What every saga step of this module's orders wrote, for before/after comparisons."""
    state: dict[str, Any] = {}
    for customer, oid in shop.placed:
        uid = customer.user_id
        state[oid] = {
            "saga": shop.rows(uid, "SELECT state, version, deadline_at, steps FROM order_sagas WHERE order_id = %s",
                              (oid,)),
            "order": shop.rows(uid, "SELECT status, updated_at FROM orders WHERE order_id = %s", (oid,)),
            "payments": shop.rows(uid, "SELECT status, updated_at FROM payments WHERE order_id = %s", (oid,)),
            "deliveries": shop.rows(uid, "SELECT rider_id, status, updated_at FROM deliveries WHERE order_id = %s",
                                    (oid,)),
            "ledger": shop.rows(uid, "SELECT entry_id, kind, points FROM loyalty_ledger WHERE order_id = %s", (oid,)),
            "outbox": shop.rows(uid, "SELECT event_id FROM outbox WHERE aggregate_id = %s ORDER BY event_id", (oid,)),
            "notifications": sorted((n["event_id"], n["channel"], n["status"]) for n in shop.notifications(oid)),
        }  # fmt: skip
    return state


def test_replaying_every_event_twice_and_out_of_order_changes_nothing(shop: Shop, saga_run: SagaRun) -> None:
    assert len(shop.placed) >= 6, "runs after the path tests of this module"
    time.sleep(2)  # let every path settle, then: everything committed is on Kafka
    events = shop.wait_on_kafka(*shop.placed)
    before = snapshot(shop)
    on_topics = {kind: len(shop.read_topic(events_topic(kind))) for kind in ("order", "user", "coupon")}
    expected = {"saga": on_topics["order"], "live": on_topics["order"], "coupons": on_topics["order"],
                "notifications": sum(on_topics.values())}  # fmt: skip
    newest_status = {e.aggregate_id: e.event_id for e in events if e.event_type == "OrderStatusChanged"}

    async def replay() -> None:
        # 1. Each consumer again over the same topics: new groups read from the start, the message log dedupes.
        settings = SagaSettings(group_prefix=f"e2e-replay-{uuid.uuid4().hex[:8]}-", session_timeout_ms=2000,
                                poll_timeout_s=0.2, run_timer=False)  # fmt: skip
        process = SagaProcess(shop.stack, settings)
        await process.open()
        stop = asyncio.Event()
        task = asyncio.create_task(process.run(stop))
        try:
            deadline = time.monotonic() + 60
            # Every message is consumed: handled, or dead-lettered (events other suites of the session left
            # on the shared topics may name orders this shop never made).
            while not all(c.handled + c.dead_lettered >= expected[c.name] for c in process.consumers):
                assert time.monotonic() < deadline, {c.name: (c.handled, c.dead_lettered) for c in process.consumers}
                await asyncio.sleep(0.2)
            # 2. Every event of these orders in reverse order, as if the message log were lost.
            assert process.orchestrator is not None
            process.orchestrator.consumer = f"saga-replay-{uuid.uuid4().hex[:8]}"
            fresh = uuid.uuid4().hex[:8]
            handlers = [
                process.orchestrator.handle,
                notifications_handler(process.db, process.notifier, f"notifications-{fresh}"),
                live_handler(process.db, process.delivery, f"live-{fresh}"),
                coupons_handler(process.db, CouponService(process.db), f"coupons-{fresh}"),
            ]
            outcomes: dict[str, int] = {}
            for envelope in reversed(events):
                saga, notify, live, coupon = [await handle(envelope, envelope.parse()) for handle in handlers]
                assert saga == "stale", envelope
                assert coupon in ("ignored", "no_coupon", "already_released"), envelope  # no use comes back twice
                assert notify == "silent", envelope  # every (event, channel) was claimed in the log before
                # The live feed may repeat an order's newest status (the same view), never an older one.
                assert live in ("stale", "ignored") or envelope.event_id == newest_status[envelope.aggregate_id]
                outcomes[live] = outcomes.get(live, 0) + 1
            assert outcomes.get("stale", 0) > 0
        finally:
            stop.set()
            await task
            await process.close()

    asyncio.run(replay())
    assert snapshot(shop) == before


def test_a_killed_saga_process_resumes_from_the_stored_state(shop: Shop, saga_run: SagaRun) -> None:
    """kill -9 with a deadline pending and an event unconsumed; a new process finishes both."""
    held_at = shop.restaurant(city(), cents=42)
    held_by = shop.make_user()
    held = shop.order(held_by, held_at, cents=42)  # its payment deadline is stored in the saga row
    wait_for(lambda: shop.payments(held_by, held) == ["REVIEW"], "the payment to be held for review")
    saga_run.kill()

    customer = shop.make_user()
    oid = shop.order(customer, shop.restaurant(city()))  # placed while no saga process runs
    shop.wait_on_kafka((customer, oid))
    time.sleep(1)
    assert shop.status(customer, oid) == "PENDING"
    assert shop.saga(customer, oid) is None

    saga_run.start()  # same groups: resumes after the offsets the killed process committed
    shop.wait_status(customer, oid, "PAID")
    shop.wait_status(held_by, held, "CANCELLED")  # the deadline the killed process never saw pass
    assert shop.payments(held_by, held) == ["FAILED"]
    steps = shop.wait_saga(held_by, held, "CANCELLED")["steps"]
    assert [s["trigger"] for s in steps] == ["OrderCreated", "timer:payment"]
    resumed = shop.wait_saga(customer, oid, "AWAITING_KITCHEN")["steps"]
    assert [s["trigger"] for s in resumed] == ["OrderCreated", "PaymentSucceeded"]
