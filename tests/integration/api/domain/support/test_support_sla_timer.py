"""The SLA clock as durable timers on the real shards: a breached clock is escalated once (priority, stamp,
one ops alert in the notification log), whatever timers run or restart; a met clock is not."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row
from pymongo.asynchronous.database import AsyncDatabase

from api.db import Databases
from api.domain.notifications import build_notification_service
from api.domain.notifications.ops import OpsAlerts
from api.domain.notifications.settings import NotifySettings
from api.domain.support import SupportSlaTimer
from pizza.config import PlatformSettings
from pizza.db.shards import ShardMap

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
OPS_EMAIL = "ops-support-tests@example.com"


class Timers:
    """Timers on the test's stores with a clock ``offset`` ahead of now; ``restart()`` is a new process."""

    def __init__(self, db: Databases, mongo: AsyncDatabase[dict[str, Any]], state_dir: Path, out: Path) -> None:
        self.db, self.mongo, self.state_dir, self.out = db, mongo, state_dir, out
        self.offset = timedelta()
        self.timer = self.restart()

    def restart(self) -> SupportSlaTimer:
        notifier = build_notification_service(
            self.db, self.mongo, self.state_dir, settings=NotifySettings(output_file=self.out)
        )
        alerts = OpsAlerts(notifier, OPS_EMAIL)
        self.timer = SupportSlaTimer(self.db, alerts, sorted(self.db.shards), clock=self.now)
        return self.timer

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    async def at(self, ahead: timedelta) -> int:
        self.offset = ahead
        return await self.timer.tick()

    async def alerts(self, ticket_id: str) -> list[dict[str, Any]]:
        cursor = self.mongo["notification_log"].find({"audience": "ops", "cause": {"$regex": f"^support:{ticket_id}:"}})
        return [doc async for doc in cursor]


@pytest.fixture
def timers(
    databases: Databases, mongo: AsyncDatabase[dict[str, Any]], stack: PlatformSettings, tmp_path: Path
) -> Timers:
    return Timers(databases, mongo, stack.state_dir, tmp_path / "notifications.jsonl")


def ticket_row(stack: PlatformSettings, user_id: uuid.UUID, ticket_id: str) -> dict[str, Any]:
    with psycopg.connect(stack.catalog) as conn:
        shard = ShardMap.load(conn).shard_for_user(user_id)
    with psycopg.connect(stack.shards[shard], row_factory=dict_row) as conn:
        row = conn.execute("SELECT * FROM support_tickets WHERE ticket_id = %s", (ticket_id,)).fetchone()
    assert row is not None
    return row


def open_ticket(http: httpx.Client, customer: Any) -> str:
    body = {"category": "other", "subject": "A question", "message": "Is anybody there?"}
    created = http.post("/support/tickets", json=body, headers=customer.headers)
    assert created.status_code == 201, created.text
    return str(created.json()["ticket"]["ticket_id"])


async def test_a_breached_ticket_is_escalated_once_per_clock_across_restarts(
    http: httpx.Client, stack: PlatformSettings, customer: Any, timers: Timers
) -> None:
    ticket_id = open_ticket(http, customer)  # the default promises: answer in 2 hours, resolve in 24
    opened = ticket_row(stack, customer.user_id, ticket_id)
    assert opened["sla_deadline_kind"] == "first_response"
    assert opened["sla_deadline_at"] == opened["first_response_due_at"]

    await timers.at(timedelta(hours=1))
    assert ticket_row(stack, customer.user_id, ticket_id)["priority"] == "normal"  # not due yet

    await timers.at(timedelta(hours=3))
    row = ticket_row(stack, customer.user_id, ticket_id)
    assert (row["priority"], row["first_response_escalated_at"] is not None) == ("urgent", True)
    assert (row["sla_deadline_kind"], row["sla_deadline_at"]) == ("resolution", row["resolution_due_at"])
    [alert] = await timers.alerts(ticket_id)
    assert (alert["template"], alert["recipient"]) == ("ops:support_first_response_breached", OPS_EMAIL)

    timers.restart()  # a new worker process, the same rows
    await timers.at(timedelta(hours=3))
    again = ticket_row(stack, customer.user_id, ticket_id)
    assert again["first_response_escalated_at"] == row["first_response_escalated_at"]
    assert len(await timers.alerts(ticket_id)) == 1

    await timers.at(timedelta(hours=25))
    done = ticket_row(stack, customer.user_id, ticket_id)
    assert done["resolution_escalated_at"] is not None
    assert (done["sla_deadline_at"], done["sla_deadline_kind"]) == (None, None)  # no clock left running
    timers.restart()
    await timers.at(timedelta(hours=30))
    templates = sorted(a["template"] for a in await timers.alerts(ticket_id))
    assert templates == ["ops:support_first_response_breached", "ops:support_resolution_breached"]
    shown = http.get(f"/support/tickets/{ticket_id}", headers=customer.headers).json()["ticket"]
    assert shown["priority"] == "urgent"


async def test_an_answered_and_resolved_ticket_is_never_escalated(
    http: httpx.Client, stack: PlatformSettings, customer: Any, make_user: Callable[..., Any], timers: Timers
) -> None:
    agent = make_user("agent")
    ticket_id = open_ticket(http, customer)
    reply = http.post(f"/support/tickets/{ticket_id}/messages", json={"body": "Looking"}, headers=agent.headers)
    assert reply.status_code == 201, reply.text
    await timers.at(timedelta(hours=3))
    row = ticket_row(stack, customer.user_id, ticket_id)
    assert (row["priority"], row["first_response_escalated_at"], row["sla_deadline_kind"]) == (
        "normal",
        None,
        "resolution",
    )
    resolution = {"kind": "no_action", "answer": "All sorted."}
    done = http.post(f"/support/tickets/{ticket_id}/resolution", json=resolution, headers=agent.headers)
    assert done.status_code == 200, done.text
    await timers.at(timedelta(hours=25))
    row = ticket_row(stack, customer.user_id, ticket_id)
    assert (row["priority"], row["resolution_escalated_at"], row["sla_deadline_at"]) == ("normal", None, None)
    assert await timers.alerts(ticket_id) == []
