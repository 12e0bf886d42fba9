"""Staff refunds under the refund caps, over real HTTP, with the real payment service and orders domain.

A served API of this module's own has small caps (5000 US-dollar cents a refund, 10000 a day per staff
member: 4600 and 9200 euro cents). An order is paid by the payment service from its ``OrderCreated``
outbox row, as the saga does; after each refund step every ``OrderStatusChanged`` row of the order is
handed to the payment service too, so "refunded" means the payment was refunded at the gateway.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row
from pymongo import AsyncMongoClient
from redis.asyncio import Redis
from support.api_actors import ApiRestaurant, ApiUser, login
from support.events import outbox_row_envelope
from support.shards import outbox_rows, shard_dsn

from api.db import Databases
from api.domain.payments import OrdersDomainPort, PaymentService
from api.domain.payments.providers import SimulatedGateway
from api.domain.payments.settings import PaymentSettings
from pizza.config import PlatformSettings
from pizza.contracts.events import EventEnvelope

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

CAP_USD, DAILY_CAP_USD = 5000, 10000
CAP_EUR, DAILY_CAP_EUR = 4600, 9200  # at pizza.money's reference rate (0.92)
SMALL = [{"menu_item_id": "margherita", "size": "large", "toppings": ["olives"], "quantity": 2}]  # 2849
LARGE = [{"menu_item_id": "margherita", "size": "large", "toppings": ["olives"], "quantity": 4}]  # 5449


@pytest.fixture(scope="module")
def capped(api_server: Callable[..., Any]) -> Iterator[httpx.Client]:
    """A client of an API served with small staff refund caps."""
    env = {"PIZZA_PAYMENTS_STAFF_REFUND_CAP_CENTS": str(CAP_USD),
           "PIZZA_PAYMENTS_STAFF_REFUND_DAILY_CAP_CENTS": str(DAILY_CAP_USD)}  # fmt: skip
    with api_server("refund-caps", **env) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


class Payments:
    """The payment service as the saga runs it: charge from OrderCreated, refund from OrderStatusChanged."""

    def __init__(self, stack: PlatformSettings, db: Databases, service: PaymentService) -> None:
        self.stack, self.db, self.service = stack, db, service

    def envelopes(self, user: ApiUser, order_id: str, event_type: str) -> list[EventEnvelope]:
        rows = outbox_rows(self.stack, user.user_id, order_id)
        return [outbox_row_envelope(r) for r in rows if r["event_type"] == event_type]

    async def pay(self, user: ApiUser, order_id: str) -> None:
        (created,) = self.envelopes(user, order_id, "OrderCreated")
        assert (await self.service.handle_order_created(created)).status == "SUCCEEDED"

    async def react(self, user: ApiUser, order_id: str) -> str:
        """Hand every status change of the order to the payment service; the payment's status after."""
        for envelope in self.envelopes(user, order_id, "OrderStatusChanged"):
            await self.service.handle_order_status_changed(envelope)
        rows = await self.service.for_order(uuid.UUID(order_id), user.user_id)
        return str(rows[0]["status"])


@pytest.fixture
async def payments(stack: PlatformSettings, databases: Databases, redis: Redis) -> AsyncIterator[Payments]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack.mongo)
    settings = PaymentSettings(gateway_attempts=1)
    port = OrdersDomainPort(databases, client[stack.mongo_database])
    yield Payments(stack, databases, PaymentService(databases, redis, SimulatedGateway(settings), settings, port))
    await client.close()


@pytest.fixture
def restaurant(make_restaurant: Callable[..., ApiRestaurant]) -> ApiRestaurant:
    """A restaurant with a fresh staff member: each test starts with the whole daily cap."""
    return make_restaurant()


async def paid_order(place_order: Callable[..., dict[str, Any]], payments: Payments, customer: ApiUser,
                     restaurant: ApiRestaurant, items: list[dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
    order = place_order(customer, restaurant.restaurant_id, items=items)
    await payments.pay(customer, order["order_id"])
    return order


def refund(client: httpx.Client, user: ApiUser, order_id: str, reason: str = "out of dough") -> httpx.Response:
    return client.post(f"/orders/{order_id}/status", json={"status": "REFUNDED", "reason": reason},
                       headers=user.headers)  # fmt: skip


def refund_events(stack: PlatformSettings, customer: ApiUser, order_id: str) -> list[dict[str, Any]]:
    return [
        r
        for r in outbox_rows(stack, customer.user_id, order_id)
        if r["event_type"] == "OrderStatusChanged" and r["payload"]["to_status"] == "REFUNDED"
    ]


def order_status(client: httpx.Client, customer: ApiUser, order_id: str) -> str:
    status: str = client.get(f"/orders/{order_id}", headers=customer.headers).json()["status"]
    return status


async def test_a_refund_within_the_caps_is_made_at_once_and_recorded(
    capped: httpx.Client, stack: PlatformSettings, customer: ApiUser, restaurant: ApiRestaurant,
    place_order: Callable[..., dict[str, Any]], payments: Payments,
) -> None:  # fmt: skip
    order = await paid_order(place_order, payments, customer, restaurant, SMALL)
    assert order["total_cents"] <= CAP_EUR

    response = refund(capped, restaurant.staff, order["order_id"])

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "REFUNDED"
    assert response.json()["history"][-1]["changed_by"] == f"restaurant_staff:{restaurant.staff.user_id}"
    assert await payments.react(customer, order["order_id"]) == "REFUNDED"
    with psycopg.connect(shard_dsn(stack, customer.user_id), row_factory=dict_row) as conn:
        (row,) = conn.execute("SELECT * FROM refund_requests WHERE order_id = %s", (order["order_id"],)).fetchall()
    assert (row["status"], row["amount_cents"], row["currency"]) == ("within_cap", order["total_cents"], "EUR")
    assert (row["requested_by"], row["request_reason"], row["decided_by"]) == (restaurant.staff.user_id,
                                                                              "out of dough", None)  # fmt: skip


async def test_above_the_cap_the_refund_waits_and_an_admin_approval_refunds_it_once(
    capped: httpx.Client, stack: PlatformSettings, admin: ApiUser, customer: ApiUser, restaurant: ApiRestaurant,
    place_order: Callable[..., dict[str, Any]], payments: Payments,
) -> None:  # fmt: skip
    order = await paid_order(place_order, payments, customer, restaurant, LARGE)
    assert order["total_cents"] > CAP_EUR

    held = refund(capped, restaurant.staff, order["order_id"])
    assert held.status_code == 202, held.text
    request = held.json()
    assert (request["status"], request["hold_reason"]) == ("pending", "over_refund_cap")
    assert (request["amount_cents"], request["requested_by"]) == (order["total_cents"], str(restaurant.staff.user_id))
    again = refund(capped, restaurant.staff, order["order_id"])  # asking twice finds the same request
    assert (again.status_code, again.json()["request_id"]) == (202, request["request_id"])
    assert order_status(capped, customer, order["order_id"]) == "PAID"
    assert refund_events(stack, customer, order["order_id"]) == []
    assert await payments.react(customer, order["order_id"]) == "SUCCEEDED"  # nothing reached the gateway
    queue = capped.get("/admin/refund-requests", params={"limit": 500}, headers=admin.headers).json()
    assert request["request_id"] in [r["request_id"] for r in queue]

    approved = capped.post(f"/admin/refund-requests/{request['request_id']}/approve",
                           json={"reason": "checked with the kitchen"}, headers=admin.headers)  # fmt: skip

    assert approved.status_code == 200, approved.text
    decided = approved.json()
    assert (decided["status"], decided["decided_by"], decided["decision_reason"]) == (
        "approved", str(admin.user_id), "checked with the kitchen")  # fmt: skip
    assert decided["decided_at"] is not None
    assert order_status(capped, customer, order["order_id"]) == "REFUNDED"
    (event,) = refund_events(stack, customer, order["order_id"])
    assert event["payload"]["reason"] == "out of dough"
    assert await payments.react(customer, order["order_id"]) == "REFUNDED"
    twice = capped.post(f"/admin/refund-requests/{request['request_id']}/approve", json={}, headers=admin.headers)
    assert twice.status_code == 409, twice.text
    assert twice.headers["content-type"].startswith("application/problem+json")
    assert twice.json()["request_status"] == "approved"
    assert len(refund_events(stack, customer, order["order_id"])) == 1
    history = capped.get(f"/orders/{order['order_id']}", headers=customer.headers).json()["history"]
    assert [h["changed_by"] for h in history if h["to_status"] == "REFUNDED"] == [f"admin:{admin.user_id}"]


async def test_a_rejected_request_refunds_nothing(
    capped: httpx.Client, stack: PlatformSettings, admin: ApiUser, customer: ApiUser, restaurant: ApiRestaurant,
    place_order: Callable[..., dict[str, Any]], payments: Payments,
) -> None:  # fmt: skip
    order = await paid_order(place_order, payments, customer, restaurant, LARGE)
    request = refund(capped, restaurant.staff, order["order_id"]).json()
    path = f"/admin/refund-requests/{request['request_id']}"
    assert capped.post(f"{path}/reject", json={}, headers=admin.headers).status_code == 400  # a reason is required
    assert capped.post(f"{path}/approve", headers=admin.headers).status_code == 400  # a body is required

    rejected = capped.post(f"{path}/reject", json={"reason": "the customer ate it"}, headers=admin.headers)

    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["status"], rejected.json()["decision_reason"]) == ("rejected", "the customer ate it")
    assert capped.get(path, headers=admin.headers).json() == rejected.json()
    assert capped.post(f"{path}/approve", json={}, headers=admin.headers).status_code == 409
    assert order_status(capped, customer, order["order_id"]) == "PAID"
    assert refund_events(stack, customer, order["order_id"]) == []
    assert await payments.react(customer, order["order_id"]) == "SUCCEEDED"


async def test_refunds_split_over_orders_cannot_pass_the_daily_cap_even_at_once(
    capped: httpx.Client, stack: PlatformSettings, make_user: Callable[..., ApiUser], restaurant: ApiRestaurant,
    place_order: Callable[..., dict[str, Any]], payments: Payments,
) -> None:  # fmt: skip
    customers = [make_user() for _ in range(4)]  # on any shard: the daily total is summed over all of them
    orders = [await paid_order(place_order, payments, c, restaurant, SMALL) for c in customers]
    assert 3 * orders[0]["total_cents"] <= DAILY_CAP_EUR < 4 * orders[0]["total_cents"]

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda o: refund(capped, restaurant.staff, o["order_id"]), orders))

    assert sorted(a.status_code for a in answers) == [200, 200, 200, 202], [a.text for a in answers]
    (held,) = [a.json() for a in answers if a.status_code == 202]
    assert held["hold_reason"] == "over_daily_cap"
    for customer, order, answer in zip(customers, orders, answers, strict=True):
        expected = "REFUNDED" if answer.status_code == 200 else "SUCCEEDED"
        assert await payments.react(customer, order["order_id"]) == expected


async def test_only_admins_decide_and_nobody_their_own_request_while_admins_refund_uncapped(
    capped: httpx.Client, http: httpx.Client, admin: ApiUser, customer: ApiUser, restaurant: ApiRestaurant,
    place_order: Callable[..., dict[str, Any]], payments: Payments,
) -> None:  # fmt: skip
    staff = restaurant.staff
    order = await paid_order(place_order, payments, customer, restaurant, LARGE)
    request = refund(capped, staff, order["order_id"]).json()
    path = f"/admin/refund-requests/{request['request_id']}"
    for who in (staff, customer):
        for call in (lambda u: capped.post(f"{path}/approve", json={}, headers=u.headers),
                     lambda u: capped.get("/admin/refund-requests", headers=u.headers)):  # fmt: skip
            denied = call(who)
            assert denied.status_code == 403, denied.text
            assert denied.headers["content-type"].startswith("application/problem+json")

    promoted = http.patch(f"/users/{staff.user_id}", json={"role": "admin"}, headers=admin.headers)
    assert promoted.status_code == 200, promoted.text
    as_admin = {"Authorization": f"Bearer {login(http, staff.email, staff.password)['access_token']}"}
    own = capped.post(f"{path}/approve", json={}, headers=as_admin)
    assert own.status_code == 403, own.text
    assert capped.get(path, headers=admin.headers).json()["status"] == "pending"

    other = await paid_order(place_order, payments, customer, restaurant, LARGE)
    by_admin = capped.post(f"/orders/{other['order_id']}/status", json={"status": "REFUNDED"}, headers=admin.headers)
    assert by_admin.status_code == 200, by_admin.text
    assert by_admin.json()["status"] == "REFUNDED"


async def test_concurrent_approvals_refund_once(
    capped: httpx.Client, stack: PlatformSettings, admin: ApiUser, make_user: Callable[..., ApiUser],
    customer: ApiUser, restaurant: ApiRestaurant, place_order: Callable[..., dict[str, Any]], payments: Payments,
) -> None:  # fmt: skip
    second_admin = make_user("admin")
    order = await paid_order(place_order, payments, customer, restaurant, LARGE)
    path = f"/admin/refund-requests/{refund(capped, restaurant.staff, order['order_id']).json()['request_id']}"

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda u: capped.post(f"{path}/approve", json={}, headers=u.headers),
                                [admin, second_admin, admin, second_admin]))  # fmt: skip

    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409], [a.text for a in answers]
    assert len(refund_events(stack, customer, order["order_id"])) == 1
    assert await payments.react(customer, order["order_id"]) == "REFUNDED"
    history = capped.get(f"/orders/{order['order_id']}", headers=customer.headers).json()["history"]
    assert [h["to_status"] for h in history].count("REFUNDED") == 1
