"""Fixtures of the notification integration tests: local provider servers and users on the real shards
(the pools and MongoDB are the shared kit's ``databases`` and ``mongo``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from notify_doubles import RecordingServer, ShardUser, SmtpSink, recording_server, smtp_sink

from api.db import Databases


@pytest.fixture
def twilio() -> Iterator[RecordingServer]:
    with recording_server((201, {}, {"sid": "SM0123456789abcdef", "status": "queued"})) as server:
        yield server


@pytest.fixture
def sendgrid() -> Iterator[RecordingServer]:
    with recording_server((202, {"X-Message-Id": "sg-message-1"}, {})) as server:
        yield server


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with smtp_sink() as sink:
        yield sink


@pytest.fixture
def shard_user(databases: Databases) -> ShardUser:
    """Write a user row on its shard (the accounts domain's table), as sign-up would."""

    async def make(phone: str | None = "+4915112345678") -> uuid.UUID:
        user_id = uuid.uuid4()
        async with databases.user_tx(user_id) as conn:
            await conn.execute(
                "INSERT INTO users (user_id, email, name, phone, password_hash) VALUES (%s, %s, %s, %s, 'x')",
                (user_id, f"ada-{user_id.hex[:12]}@example.com", "Ada", phone),
            )
        return user_id

    return make
