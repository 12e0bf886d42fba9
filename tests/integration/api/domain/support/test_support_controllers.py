"""Customer support over HTTP against the real stack: tickets on the customer's shard, agents across shards."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest

from pizza.config import PlatformSettings
from pizza.db.shards import ShardMap

pytestmark = pytest.mark.integration


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def open_ticket(http: httpx.Client, user: Any, **fields: Any) -> httpx.Response:
    body = {"category": "other", "subject": "A question", "message": "Hello, I need help.", **fields}
    return http.post("/support/tickets", json=body, headers=user.headers)


def ticket_of(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    ticket: dict[str, Any] = response.json()["ticket"]
    return ticket


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def shard_of(stack: PlatformSettings, user_id: uuid.UUID) -> str:
    with psycopg.connect(stack.catalog) as conn:
        return ShardMap.load(conn).shard_for_user(user_id)


@pytest.fixture
def agent(make_user: Callable[..., Any]) -> Any:
    """A support agent, created by the admin through ``POST /users`` like other staff."""
    return make_user("agent")


def test_a_customer_opens_a_ticket_on_their_order_with_its_sla_clock(
    http: httpx.Client,
    stack: PlatformSettings,
    make_restaurant: Callable[..., Any],
    place_order: Callable[..., dict[str, Any]],
    customer: Any,
) -> None:
    order = place_order(customer, make_restaurant().restaurant_id)
    created = open_ticket(
        http, customer, category="missing_item", subject="  The cola is missing  ", order_id=order["order_id"]
    )
    ticket = ticket_of(created)
    assert (ticket["status"], ticket["category"], ticket["subject"]) == ("open", "missing_item", "The cola is missing")
    assert (ticket["order_id"], ticket["user_id"]) == (order["order_id"], str(customer.user_id))
    assert ticket["assigned_agent_id"] is None
    assert at(ticket["first_response_due_at"]) - at(ticket["created_at"]) == timedelta(hours=2)
    assert at(ticket["resolution_due_at"]) - at(ticket["created_at"]) == timedelta(hours=24)
    assert (ticket["first_response_breached"], ticket["resolution_breached"]) == (False, False)
    [first] = created.json()["messages"]
    assert (first["author_role"], first["body"]) == ("customer", "Hello, I need help.")

    home = shard_of(stack, customer.user_id)  # the ticket sits beside the customer's orders, nowhere else
    for name, dsn in stack.shards.items():
        with psycopg.connect(dsn) as conn:
            found = conn.execute("SELECT count(*) FROM support_tickets WHERE ticket_id = %s", (ticket["ticket_id"],))
            assert found.fetchone() == ((1,) if name == home else (0,))

    again = problem(open_ticket(http, customer, category="late", order_id=order["order_id"]), 409)
    assert again["ticket_id"] == ticket["ticket_id"]  # one unclosed ticket per order: write on that one

    mine = http.get("/support/tickets", headers=customer.headers).json()
    assert [t["ticket_id"] for t in mine["items"]] == [ticket["ticket_id"]]


def test_a_customer_cannot_open_a_ticket_on_another_customers_order_or_see_their_ticket(
    http: httpx.Client,
    make_user: Callable[..., Any],
    make_restaurant: Callable[..., Any],
    place_order: Callable[..., dict[str, Any]],
    customer: Any,
) -> None:
    other = make_user()
    theirs = place_order(other, make_restaurant().restaurant_id)
    problem(open_ticket(http, customer, category="wrong_order", order_id=theirs["order_id"]), 422)
    problem(open_ticket(http, customer, category="wrong_order"), 422)  # a delivery complaint names its order

    ticket = ticket_of(open_ticket(http, other, category="late", order_id=theirs["order_id"]))
    path = f"/support/tickets/{ticket['ticket_id']}"
    problem(http.get(path, headers=customer.headers), 404)  # another customer's ticket does not exist for you
    problem(http.post(f"{path}/messages", json={"body": "me too"}, headers=customer.headers), 404)
    assert http.get("/support/tickets", headers=customer.headers).json()["items"] == []
    problem(http.post(f"{path}/status", json={"status": "closed"}, headers=other.headers), 403)
    problem(http.post(f"{path}/assign", headers=other.headers), 403)


def test_riders_and_restaurant_staff_get_403_everywhere(
    http: httpx.Client, make_user: Callable[..., Any], make_restaurant: Callable[..., Any], customer: Any
) -> None:
    ticket = ticket_of(open_ticket(http, customer, category="payment"))
    path = f"/support/tickets/{ticket['ticket_id']}"
    for outsider in (make_user("rider"), make_restaurant().staff):
        problem(open_ticket(http, outsider), 403)
        problem(http.get("/support/tickets", headers=outsider.headers), 403)
        problem(http.get(path, headers=outsider.headers), 403)
        problem(http.post(f"{path}/messages", json={"body": "hi"}, headers=outsider.headers), 403)
        problem(http.post(f"{path}/assign", headers=outsider.headers), 403)
        problem(http.post(f"{path}/status", json={"status": "closed"}, headers=outsider.headers), 403)


def test_an_agent_lists_tickets_of_every_shard_newest_first_page_by_page(
    http: httpx.Client, stack: PlatformSettings, make_user: Callable[..., Any], agent: Any
) -> None:
    customers: list[Any] = []
    while len({shard_of(stack, c.user_id) for c in customers}) < 2 or len(customers) < 3:
        customers.append(make_user())
    opened = [ticket_of(open_ticket(http, c, category="payment"))["ticket_id"] for c in customers]

    seen: list[str] = []
    cursor: str | None = None
    while len(seen) < len(opened):
        params: dict[str, Any] = {"status": "open", "category": "payment", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = http.get("/support/tickets", params=params, headers=agent.headers)
        assert page.status_code == 200, page.text
        body = page.json()
        assert all((t["status"], t["category"]) == ("open", "payment") for t in body["items"])
        seen += [t["ticket_id"] for t in body["items"]]
        cursor = body["next_cursor"]
        assert cursor or len(seen) >= len(opened), "the pages ended before every ticket was served"
    assert seen[: len(opened)] == opened[::-1]  # one global order across shards (UUIDv7), no gaps, no repeats

    elsewhere = http.get("/support/tickets", params={"status": "closed", "limit": 100}, headers=agent.headers)
    assert not set(opened) & {t["ticket_id"] for t in elsewhere.json()["items"]}


def test_an_agent_replies_records_the_first_response_and_resolves(
    http: httpx.Client,
    make_restaurant: Callable[..., Any],
    place_order: Callable[..., dict[str, Any]],
    customer: Any,
    agent: Any,
) -> None:
    order = place_order(customer, make_restaurant().restaurant_id)
    ticket = ticket_of(open_ticket(http, customer, category="late", order_id=order["order_id"]))
    path = f"/support/tickets/{ticket['ticket_id']}"
    assert http.get(path, headers=agent.headers).json()["ticket"]["first_response_at"] is None

    taken = http.post(f"{path}/assign", headers=agent.headers)
    assert taken.status_code == 200, taken.text
    assert taken.json()["assigned_agent_id"] == str(agent.user_id)

    reply = http.post(f"{path}/messages", json={"body": "Sorry! Your rider is 5 minutes away."}, headers=agent.headers)
    assert reply.status_code == 201, reply.text
    assert reply.json()["author_role"] == "agent"
    first_response = http.get(path, headers=customer.headers).json()["ticket"]["first_response_at"]
    assert first_response == reply.json()["created_at"]

    waiting = http.post(f"{path}/status", json={"status": "pending_customer"}, headers=agent.headers)
    assert waiting.json()["status"] == "pending_customer"
    answer = http.post(f"{path}/messages", json={"body": "It arrived, cold."}, headers=customer.headers)
    assert answer.status_code == 201, answer.text
    http.post(f"{path}/messages", json={"body": "A voucher is on its way."}, headers=agent.headers)

    thread = http.get(path, headers=customer.headers).json()
    assert thread["ticket"]["status"] == "open"  # the customer answered: back in the queue
    assert thread["ticket"]["first_response_at"] == first_response  # recorded once, by the first reply
    assert [m["author_role"] for m in thread["messages"]] == ["customer", "agent", "customer", "agent"]

    resolved = http.post(f"{path}/status", json={"status": "resolved"}, headers=agent.headers).json()
    assert resolved["status"] == "resolved"
    assert resolved["resolved_at"] is not None
    assert (resolved["first_response_breached"], resolved["resolution_breached"]) == (False, False)
    problem(http.post(f"{path}/status", json={"status": "resolved"}, headers=agent.headers), 409)

    closed = http.post(f"{path}/status", json={"status": "closed"}, headers=agent.headers).json()
    assert closed["closed_at"] is not None
    problem(http.post(f"{path}/messages", json={"body": "one more thing"}, headers=customer.headers), 409)
    problem(http.post(f"{path}/status", json={"status": "open"}, headers=agent.headers), 409)
    problem(http.post(f"{path}/assign", headers=agent.headers), 409)
    assert ticket_of(open_ticket(http, customer, category="late", order_id=order["order_id"]))  # closed: a new one


def test_a_ticket_nobody_answered_in_time_shows_its_breach(
    http: httpx.Client, stack: PlatformSettings, customer: Any, agent: Any
) -> None:
    ticket = ticket_of(open_ticket(http, customer))
    with psycopg.connect(stack.shards[shard_of(stack, customer.user_id)]) as conn:  # opened three hours ago
        conn.execute(
            "UPDATE support_tickets SET created_at = created_at - interval '3 hours',"
            " first_response_due_at = first_response_due_at - interval '3 hours',"
            " resolution_due_at = resolution_due_at - interval '3 hours' WHERE ticket_id = %s",
            (ticket["ticket_id"],),
        )
    path = f"/support/tickets/{ticket['ticket_id']}"
    shown = http.get(path, headers=agent.headers).json()["ticket"]
    assert (shown["first_response_breached"], shown["resolution_breached"]) == (True, False)

    http.post(f"{path}/messages", json={"body": "Sorry for the wait."}, headers=agent.headers)
    answered = http.get(path, headers=customer.headers).json()["ticket"]
    assert answered["first_response_breached"] is True  # answered late stays late


def test_messages_are_append_only_in_the_database(http: httpx.Client, stack: PlatformSettings, customer: Any) -> None:
    ticket = ticket_of(open_ticket(http, customer))
    with psycopg.connect(stack.shards[shard_of(stack, customer.user_id)]) as conn, pytest.raises(psycopg.Error):
        conn.execute("UPDATE support_messages SET body = 'edited' WHERE ticket_id = %s", (ticket["ticket_id"],))
