"""Resolutions over HTTP against the real stack: refunds through payments, coupons, loyalty points, no action;
each recorded on the ticket, announced through the outbox, and never carried out twice."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis
from support.events import order_created_envelope

from api.db import Databases
from api.domain.payments import build_payment_service
from pizza.config import PlatformSettings
from pizza.db.shards import ShardMap

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


@pytest.fixture
def agent(make_user: Callable[..., Any]) -> Any:
    return make_user("agent")


def shard_rows(stack: PlatformSettings, user_id: uuid.UUID | str, sql: str, *params: Any) -> list[dict[str, Any]]:
    with psycopg.connect(stack.catalog) as conn:
        shard = ShardMap.load(conn).shard_for_user(uuid.UUID(str(user_id)))
    with psycopg.connect(stack.shards[shard], row_factory=dict_row) as conn:
        return conn.execute(sql, params).fetchall()


def open_ticket(http: httpx.Client, customer: Any, order_id: str | None, category: str = "missing_item") -> str:
    body: dict[str, Any] = {"category": category, "subject": "The cola is missing", "message": "No cola in the bag"}
    if order_id is not None:
        body["order_id"] = order_id
    created = http.post("/support/tickets", json=body, headers=customer.headers)
    assert created.status_code == 201, created.text
    return str(created.json()["ticket"]["ticket_id"])


def resolve(http: httpx.Client, agent: Any, ticket_id: str, **body: Any) -> httpx.Response:
    return http.post(
        f"/support/tickets/{ticket_id}/resolution", json={"answer": "Sorry about that.", **body}, headers=agent.headers
    )


def resolved(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    ticket: dict[str, Any] = response.json()
    return ticket


@pytest.fixture
async def paid_order(
    http: httpx.Client,
    databases: Databases,
    redis: Redis,
    mongo: AsyncDatabase[dict[str, Any]],
    place_order: Callable[..., dict[str, Any]],
    make_restaurant: Callable[..., Any],
    customer: Any,
) -> dict[str, Any]:
    """An order of ``customer`` paid by the real payment service (simulated gateway), as the saga would."""
    order = place_order(customer, make_restaurant().restaurant_id)
    payments = build_payment_service(databases, redis, mongo)
    try:
        result = await payments.handle_order_created(
            await order_created_envelope(databases, customer.user_id, order["order_id"])
        )
    finally:
        await payments.gateway.close()
    assert result.status == "SUCCEEDED"
    return order


async def test_a_partial_refund_is_made_once_and_recorded_on_the_closed_ticket(
    http: httpx.Client, stack: PlatformSettings, agent: Any, customer: Any, paid_order: dict[str, Any]
) -> None:
    ticket_id = open_ticket(http, customer, paid_order["order_id"])
    ticket = resolved(resolve(http, agent, ticket_id, kind="refund", amount_cents=300))
    assert (ticket["status"], ticket["resolved_at"] is not None, ticket["closed_at"] is not None) == (
        "closed",
        True,
        True,
    )
    resolution = ticket["resolution"]
    assert (resolution["kind"], resolution["amount_cents"], resolution["currency"]) == (
        "refund",
        300,
        paid_order["currency"],
    )
    assert resolution["resolved_by"] == str(agent.user_id)
    assert ticket["first_response_at"] is not None  # the answer is the agent's first message

    again = resolved(resolve(http, agent, ticket_id, kind="refund", amount_cents=300))  # a retry
    assert again["resolution"] == resolution
    refunds = shard_rows(
        stack, customer.user_id, "SELECT refund_id, amount_cents, status FROM payment_refunds WHERE order_id = %s",
        paid_order["order_id"],
    )  # fmt: skip
    assert [(str(r["refund_id"]), r["amount_cents"], r["status"]) for r in refunds] == [
        (resolution["reference"], 300, "succeeded")
    ]
    [payment] = shard_rows(
        stack, customer.user_id, "SELECT refunded_cents FROM payments WHERE order_id = %s", paid_order["order_id"]
    )
    assert payment["refunded_cents"] == 300

    other = resolve(http, agent, ticket_id, kind="refund", amount_cents=400)
    assert other.status_code == 409, other.text
    assert other.json()["resolution_kind"] == "refund"
    thread = http.get(f"/support/tickets/{ticket_id}", headers=customer.headers).json()
    assert [m["author_role"] for m in thread["messages"]] == ["customer", "agent"]  # one answer, not two


async def test_a_full_refund_gives_back_the_order_total(
    http: httpx.Client, stack: PlatformSettings, agent: Any, customer: Any, paid_order: dict[str, Any]
) -> None:
    ticket_id = open_ticket(http, customer, paid_order["order_id"], category="wrong_order")
    resolution = resolved(resolve(http, agent, ticket_id, kind="refund"))["resolution"]
    assert resolution["amount_cents"] == paid_order["total_cents"]
    [payment] = shard_rows(
        stack, customer.user_id, "SELECT status, refunded_cents FROM payments WHERE order_id = %s",
        paid_order["order_id"],
    )  # fmt: skip
    assert (payment["status"], payment["refunded_cents"]) == ("REFUNDED", paid_order["total_cents"])


def test_a_coupon_credit_issues_one_personal_coupon(
    http: httpx.Client,
    stack: PlatformSettings,
    agent: Any,
    customer: Any,
    place_order: Callable[..., dict[str, Any]],
    make_restaurant: Callable[..., Any],
) -> None:
    order = place_order(customer, make_restaurant().restaurant_id)
    ticket_id = open_ticket(http, customer, order["order_id"], category="late")
    resolution = resolved(resolve(http, agent, ticket_id, kind="coupon_credit", amount_cents=500))["resolution"]
    assert (resolution["amount_cents"], resolution["currency"]) == (500, order["currency"])
    assert resolved(resolve(http, agent, ticket_id, kind="coupon_credit", amount_cents=500))["resolution"] == resolution
    with psycopg.connect(stack.catalog, row_factory=dict_row) as conn:
        coupons = conn.execute(
            "SELECT code, value, currency, owner_user_id FROM coupons WHERE reference_id = %s", (ticket_id,)
        ).fetchall()
    expected = {"code": resolution["reference"], "value": 500, "currency": order["currency"]}
    assert coupons == [{**expected, "owner_user_id": customer.user_id}]


def test_a_loyalty_credit_grants_points_once(http: httpx.Client, agent: Any, customer: Any) -> None:
    ticket_id = open_ticket(http, customer, None, category="other")
    resolution = resolved(resolve(http, agent, ticket_id, kind="loyalty_credit", points=150))["resolution"]
    assert (resolution["points"], resolution["amount_cents"], resolution["currency"]) == (150, None, None)
    resolved(resolve(http, agent, ticket_id, kind="loyalty_credit", points=150))
    account = http.get("/users/me/loyalty", headers=customer.headers)
    assert account.status_code == 200, account.text
    credits = [e for e in account.json()["ledger"] if e.get("reference_id") == ticket_id]
    assert [(str(e["entry_id"]), e["points"]) for e in credits] == [(resolution["reference"], 150)]


def test_no_action_answers_and_closes_and_both_events_are_in_the_outbox(
    http: httpx.Client, stack: PlatformSettings, agent: Any, customer: Any
) -> None:
    ticket_id = open_ticket(http, customer, None, category="payment")
    ticket = resolved(resolve(http, agent, ticket_id, kind="no_action", answer="Your card was not charged twice."))
    assert (ticket["status"], ticket["resolution"]["kind"], ticket["resolution"]["reference"]) == (
        "closed",
        "no_action",
        None,
    )
    events = shard_rows(
        stack, customer.user_id, "SELECT event_type, payload FROM outbox WHERE aggregate_id = %s ORDER BY created_at",
        ticket_id,
    )  # fmt: skip
    assert [e["event_type"] for e in events] == ["SupportTicketOpened", "SupportTicketResolved"]
    assert events[1]["payload"]["resolution_kind"] == "no_action"
    for event in events:  # free text stays in Postgres
        assert not {"subject", "message", "body", "answer"} & set(event["payload"])


def test_resolutions_that_do_not_fit_the_ticket_are_refused(http: httpx.Client, agent: Any, customer: Any) -> None:
    ticket_id = open_ticket(http, customer, None, category="other")
    refund = resolve(http, agent, ticket_id, kind="refund", amount_cents=100)
    assert refund.status_code == 422, refund.text  # no order to refund
    no_currency = resolve(http, agent, ticket_id, kind="coupon_credit", amount_cents=100)
    assert no_currency.status_code == 422, no_currency.text
    stray_points = resolve(http, agent, ticket_id, kind="no_action", points=5)
    assert stray_points.status_code == 422, stray_points.text
    still = http.get(f"/support/tickets/{ticket_id}", headers=agent.headers).json()["ticket"]
    assert (still["status"], still["resolution"]) == ("open", None)
