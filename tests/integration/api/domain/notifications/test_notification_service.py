"""notify() end to end: a user on the real shard, the log in the real MongoDB, real adapters against local servers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Any

import pytest
from notify_doubles import RecordingServer, ShardUser, SmtpSink
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError
from support.events import envelope_of

from api.db import Databases
from api.domain.notifications.providers import SmtpProvider, TwilioSmsProvider
from api.domain.notifications.repositories import NotificationLog, Preferences, save_preferences
from api.domain.notifications.services import NotificationService
from api.domain.notifications.settings import NotifySettings
from pizza.contracts.events import EventEnvelope, OrderStatusChanged, PaymentSucceeded

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

Factory = Callable[..., NotificationService]


@pytest.fixture
def make_service(
    databases: Databases, mongo: AsyncDatabase[dict[str, Any]], smtp: SmtpSink, twilio: RecordingServer
) -> Factory:
    def make(clock: Callable[[], datetime] | None = None) -> NotificationService:
        settings = NotifySettings(
            smtp_port=smtp.port, twilio_base_url=twilio.url, send_attempts=3, backoff_seconds=0,
            default_channels=["email"],
        )  # fmt: skip
        providers = {"email": SmtpProvider(settings), "sms": TwilioSmsProvider(settings)}
        kwargs = {"clock": clock} if clock else {}
        return NotificationService(databases, NotificationLog(mongo), providers, settings, **kwargs)  # type: ignore[arg-type]

    return make


envelope = envelope_of


def paid(user_id: uuid.UUID) -> EventEnvelope:
    return envelope(
        PaymentSucceeded(
            order_id=uuid.uuid4(), payment_id=uuid.uuid4(), user_id=user_id, amount_cents=2450, currency="EUR",
            provider="simulated",
        )
    )  # fmt: skip


async def prefer(databases: Databases, user_id: uuid.UUID, **fields: Any) -> None:
    async with databases.user_tx(user_id) as conn:
        await save_preferences(conn, user_id, Preferences(**fields))


async def log_of(mongo: AsyncDatabase[dict[str, Any]], env: EventEnvelope) -> dict[str, dict[str, Any]]:
    docs = [d async for d in mongo["notification_log"].find({"event_id": str(env.event_id)})]
    return {d["channel"]: d for d in docs}


async def test_an_event_is_sent_once_per_channel_however_often_it_arrives(
    make_service: Factory,
    shard_user: ShardUser,
    databases: Databases,
    mongo: AsyncDatabase[dict[str, Any]],
    smtp: SmtpSink,
    twilio: RecordingServer,
) -> None:
    user_id = await shard_user()
    await prefer(databases, user_id, channels=("email", "sms"))
    env, service = paid(user_id), make_service()

    first = await service.notify(env)
    second = await service.notify(env)

    assert [(o.channel, o.status) for o in first] == [("email", "sent"), ("sms", "sent")]
    assert [(o.channel, o.status) for o in second] == [("email", "duplicate"), ("sms", "duplicate")]
    assert len(smtp.messages) == 1
    assert len(twilio.calls) == 1
    logged = await log_of(mongo, env)
    assert set(logged) == {"email", "sms"}
    assert logged["email"]["status"] == "sent"
    assert logged["email"]["attempts"] == 1
    assert logged["email"]["subject"].startswith("Payment received for order")
    assert logged["email"]["user_id"] == str(user_id)
    assert logged["email"]["order_id"] == env.payload["order_id"]
    assert logged["sms"]["provider_message_id"] == "SM0123456789abcdef"
    assert logged["sms"]["sent_at"] is not None


async def test_concurrent_workers_send_once(
    make_service: Factory, shard_user: ShardUser, smtp: SmtpSink, mongo: AsyncDatabase[dict[str, Any]]
) -> None:
    env = paid(await shard_user())
    results = await asyncio.gather(*(make_service().notify(env) for _ in range(4)))
    statuses = sorted(o.status for r in results for o in r)
    assert statuses == ["duplicate", "duplicate", "duplicate", "sent"]
    assert len(smtp.messages) == 1


async def test_the_unique_index_refuses_a_second_log_entry(
    make_service: Factory, shard_user: ShardUser, mongo: AsyncDatabase[dict[str, Any]]
) -> None:
    env = paid(await shard_user())
    await make_service().notify(env)
    with pytest.raises(DuplicateKeyError):
        await mongo["notification_log"].insert_one({"_id": "other", "event_id": str(env.event_id), "channel": "email"})


async def test_transient_errors_are_retried_with_backoff(
    make_service: Factory, shard_user: ShardUser, databases: Databases, twilio: RecordingServer,
    mongo: AsyncDatabase[dict[str, Any]],
) -> None:  # fmt: skip
    user_id = await shard_user()
    await prefer(databases, user_id, channels=("sms",))
    twilio.reply(503, {"message": "busy"})
    twilio.reply(429, {"message": "slow down"})
    env = paid(user_id)
    [outcome] = await make_service().notify(env)
    assert outcome.status == "sent"
    assert len(twilio.calls) == 3
    assert (await log_of(mongo, env))["sms"]["attempts"] == 3


async def test_a_failed_send_is_logged_and_only_that_is_tried_again_later(
    make_service: Factory, shard_user: ShardUser, databases: Databases, twilio: RecordingServer,
    mongo: AsyncDatabase[dict[str, Any]],
) -> None:  # fmt: skip
    user_id = await shard_user()
    await prefer(databases, user_id, channels=("email", "sms"))
    twilio.reply(400, {"message": "Invalid 'To' Phone Number"})
    env, service = paid(user_id), make_service()

    first = await service.notify(env)
    assert [(o.channel, o.status) for o in first] == [("email", "sent"), ("sms", "failed")]
    failed = (await log_of(mongo, env))["sms"]
    assert failed["status"] == "failed"
    assert "400" in failed["error"]
    assert failed["attempts"] == 1  # a 4xx is not retried

    second = await service.notify(env)  # the consumer redelivers: the failed channel only
    assert [(o.channel, o.status) for o in second] == [("email", "duplicate"), ("sms", "sent")]
    assert len(twilio.calls) == 2
    assert (await log_of(mongo, env))["sms"]["status"] == "sent"


async def test_sms_waits_out_quiet_hours_but_email_goes(
    make_service: Factory, shard_user: ShardUser, databases: Databases, twilio: RecordingServer, smtp: SmtpSink,
    mongo: AsyncDatabase[dict[str, Any]],
) -> None:  # fmt: skip
    user_id = await shard_user()
    await prefer(
        databases, user_id, channels=("email", "sms"), quiet_hours_start=time(22), quiet_hours_end=time(7),
        timezone="Europe/Berlin",
    )  # fmt: skip
    night = datetime(2026, 1, 15, 22, 30, tzinfo=UTC)  # 23:30 in Berlin
    env = paid(user_id)
    outcomes = await make_service(clock=lambda: night).notify(env)
    assert [(o.channel, o.status, o.reason) for o in outcomes] == [
        ("email", "sent", None),
        ("sms", "skipped", "quiet_hours"),
    ]
    assert twilio.calls == []
    assert (await log_of(mongo, env))["sms"]["status"] == "skipped"


async def test_muted_events_and_missing_addresses_are_skipped_and_logged(
    make_service: Factory, shard_user: ShardUser, databases: Databases, smtp: SmtpSink,
    mongo: AsyncDatabase[dict[str, Any]],
) -> None:  # fmt: skip
    muted_user = await shard_user()
    await prefer(databases, muted_user, channels=("email",), muted_event_types=("PaymentSucceeded",))
    no_phone = await shard_user(phone=None)
    await prefer(databases, no_phone, channels=("sms",))

    [muted] = await make_service().notify(paid(muted_user))
    [phoneless] = await make_service().notify(paid(no_phone))

    assert (muted.status, muted.reason) == ("skipped", "muted")
    assert (phoneless.status, phoneless.reason) == ("skipped", "no sms address")
    assert smtp.messages == []


async def test_defaults_apply_until_preferences_are_saved(
    make_service: Factory, shard_user: ShardUser, smtp: SmtpSink
) -> None:
    [outcome] = await make_service().notify(paid(await shard_user()))
    assert (outcome.channel, outcome.status) == ("email", "sent")
    assert len(smtp.messages) == 1


async def test_events_without_a_template_or_user_send_nothing(
    make_service: Factory, shard_user: ShardUser, smtp: SmtpSink
) -> None:
    user_id = await shard_user()
    becomes_paid = OrderStatusChanged(
        order_id=uuid.uuid4(), user_id=user_id, restaurant_id=uuid.uuid4(), from_status="PENDING", to_status="PAID",
        changed_at=datetime.now(UTC),
    )  # fmt: skip
    assert await make_service().notify(envelope(becomes_paid)) == []
    assert await make_service().notify(paid(uuid.uuid4())) == []  # no such user
    assert smtp.messages == []


async def test_an_unknown_event_type_raises_for_the_dead_letter_topic(make_service: Factory) -> None:
    env = paid(uuid.uuid4()).model_copy(update={"event_type": "PizzaThrown"})
    with pytest.raises(KeyError):
        await make_service().notify(env)
