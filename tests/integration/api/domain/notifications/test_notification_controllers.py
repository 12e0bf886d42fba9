"""Preferences and the user's notification list over real HTTP (the app served by Granian)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo.asynchronous.database import AsyncDatabase

from api.db import Databases
from api.domain.notifications.providers import build_providers
from api.domain.notifications.repositories import NotificationLog
from api.domain.notifications.services import NotificationService
from api.domain.notifications.settings import NotifySettings
from pizza.contracts.events import EventEnvelope, OutboxEvent, PaymentRefunded

pytestmark = pytest.mark.integration

URL = "/users/me/notification-preferences"


def test_a_new_user_gets_the_defaults(http: httpx.Client, customer: Any) -> None:
    response = http.get(URL, headers=customer.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "channels": ["email"],
        "quiet_hours_start": None,
        "quiet_hours_end": None,
        "timezone": "UTC",
        "muted_event_types": [],
    }


def test_preferences_are_saved_and_read_back(http: httpx.Client, customer: Any) -> None:
    body = {
        "channels": ["email", "sms"],
        "quiet_hours_start": "22:00:00",
        "quiet_hours_end": "07:30:00",
        "timezone": "Europe/Berlin",
        "muted_event_types": ["OrderCreated"],
    }
    saved = http.put(URL, json=body, headers=customer.headers)
    assert saved.status_code == 200, saved.text
    assert saved.json() == body
    assert http.get(URL, headers=customer.headers).json() == body
    body["channels"] = ["sms"]
    assert http.put(URL, json=body, headers=customer.headers).json()["channels"] == ["sms"]


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, 422),
        ({"quiet_hours_start": "22:00:00"}, 422),
        ({"muted_event_types": ["PizzaThrown"]}, 422),
        ({"channels": ["pigeon"]}, 400),
    ],
)
def test_invalid_preferences_are_refused(
    http: httpx.Client, customer: Any, change: dict[str, Any], status: int
) -> None:
    response = http.put(URL, json={"channels": ["email"], **change}, headers=customer.headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_preferences_need_a_signed_in_user(http: httpx.Client) -> None:
    assert http.get(URL).status_code == 401
    assert http.put(URL, json={"channels": ["email"]}).status_code == 401


@pytest.mark.anyio
async def test_the_user_sees_what_was_sent_to_them(
    http: httpx.Client, customer: Any, databases: Databases, mongo: AsyncDatabase[dict[str, Any]], tmp_path: Path
) -> None:
    settings = NotifySettings(output_file=tmp_path / "out.jsonl")
    service = NotificationService(databases, NotificationLog(mongo), build_providers(settings, tmp_path), settings)
    event = PaymentRefunded(
        order_id=uuid.uuid4(), payment_id=uuid.uuid4(), user_id=customer.user_id, amount_cents=1999, currency="EUR",
        provider="simulated",
    )  # fmt: skip
    row = OutboxEvent.of(event)
    envelope = EventEnvelope(**row.model_dump(), occurred_at=datetime.now(UTC))
    [outcome] = await service.notify(envelope)
    assert outcome.status == "sent"
    [line] = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert line["to"] == customer.email

    response = http.get("/users/me/notifications", headers=customer.headers)
    assert response.status_code == 200, response.text
    [listed] = response.json()
    assert listed["event_id"] == str(row.event_id)
    assert listed["status"] == "sent"
    assert listed["channel"] == "email"
    assert listed["subject"] == f"Refund for order {str(event.order_id).split('-')[0].upper()}"
    assert "19.99 EUR" in listed["body"]
