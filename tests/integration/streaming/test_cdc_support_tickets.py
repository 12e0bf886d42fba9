"""Support tickets reach Kafka without their free text: the ticket row on cdc.support_tickets has no subject,
the thread is never published, and the ticket's events are on events.support_ticket."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from cdc_drill import read_topics, value_of
from support.api_actors import ApiRestaurant, ApiUser

from pizza.config import PlatformSettings
from streaming.relay.app import CdcRelay

pytestmark = pytest.mark.integration


def test_a_resolved_ticket_is_published_with_its_events_and_without_its_words(
    stack: PlatformSettings, relay: CdcRelay, http: httpx.Client, customer: ApiUser,
    make_user: Callable[..., ApiUser], make_restaurant: Callable[..., ApiRestaurant],
    place_order: Callable[..., dict[str, Any]],
) -> None:  # fmt: skip
    agent = make_user("agent")
    order = place_order(customer, make_restaurant().restaurant_id)
    words = {w: f"{w}-{uuid.uuid4().hex}" for w in ("subject", "message", "answer")}
    body = {"category": "late", "order_id": order["order_id"], "subject": words["subject"], "message": words["message"]}
    opened = http.post("/support/tickets", json=body, headers=customer.headers)
    assert opened.status_code == 201, opened.text
    ticket_id = opened.json()["ticket"]["ticket_id"]
    resolution = {"kind": "no_action", "answer": words["answer"]}
    done = http.post(f"/support/tickets/{ticket_id}/resolution", json=resolution, headers=agent.headers)
    assert done.status_code == 200, done.text

    relay.run(until_idle=True)

    events = read_topics(stack.kafka, ["events.support_ticket"], lambda m: m.key() == ticket_id.encode(), 2)
    envelopes = [json.loads(m.value()) for m in events]
    assert [e["event_type"] for e in envelopes] == ["SupportTicketOpened", "SupportTicketResolved"]
    assert envelopes[0]["payload"]["restaurant_id"] == str(order["restaurant_id"])
    assert envelopes[1]["payload"]["resolution_kind"] == "no_action"

    rows = read_topics(
        stack.kafka, ["cdc.support_tickets"], lambda m: value_of(m)["pk"] == {"ticket_id": ticket_id}, 2
    )  # opened; then answered, resolved and closed in one update
    for row in rows:
        image = value_of(row)["after"]
        assert "subject" not in image
    assert value_of(rows[-1])["after"]["resolution_kind"] == "no_action"

    everything = read_topics(
        stack.kafka,
        [t for t in _topics(stack) if t.startswith(("cdc.", "events."))],
        lambda m: any(w.encode() in (m.value() or b"") for w in words.values()),
        0,
        settle_s=2.0,
    )
    assert [m.topic() for m in everything] == []  # no word of the thread left Postgres


def _topics(stack: PlatformSettings) -> list[str]:
    from confluent_kafka.admin import AdminClient

    return list(AdminClient({"bootstrap.servers": stack.kafka}).list_topics(timeout=10).topics)
