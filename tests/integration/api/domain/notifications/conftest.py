"""Fixtures of the notification integration tests: local provider servers, the real shards and MongoDB."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from notify_doubles import RecordingServer, ShardUser, SmtpSink, recording_server, smtp_sink
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from api.db import Databases
from pizza.config import PlatformSettings


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


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
async def databases(stack: PlatformSettings) -> AsyncIterator[Databases]:
    db = Databases(stack, min_size=1, max_size=4)
    await db.open()
    yield db
    await db.close()


@pytest.fixture
async def mongo(stack: PlatformSettings) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack.mongo)
    yield client[stack.mongo_database]
    await client.close()


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
