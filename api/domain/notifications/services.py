"""The notification service: an event in, at most one message per channel out, every outcome logged.

``notify(envelope)`` is idempotent: each (event, channel) is claimed in the MongoDB log (unique
index) before anything is sent, so a redelivered event or a second worker finds the claim and sends
nothing. Transient provider errors are retried with exponential backoff (tenacity); a send that still
fails is logged ``failed`` and is the only kind a later delivery of the event may try again.

Preferences decide the channels; during the user's quiet hours SMS is skipped (a late "your pizza is
on its way" text is noise), email still goes out.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from prometheus_client import Counter
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from api.db import Databases
from api.domain.notifications.providers import (
    Channel,
    NotificationProvider,
    OutgoingMessage,
    SendError,
    TransientSendError,
)
from api.domain.notifications.repositories import (
    Doc,
    NotificationLog,
    Preferences,
    Recipient,
    load_recipient,
    log_entry,
    save_preferences,
)
from api.domain.notifications.settings import NotifySettings
from api.domain.notifications.templates import render, template_key
from api.lib.errors import NotFoundError, UnprocessableError
from pizza.contracts.events import EventEnvelope
from pizza.ids import new_id
from pizza.logs import get_logger

log = get_logger(__name__)
NOTIFICATIONS = Counter("pizza_notifications_total", "Notifications by outcome", ["channel", "provider", "status"])
_NO_ACCOUNT = "the signed-in user has no account on its shard"


@dataclass(frozen=True, slots=True)
class ChannelOutcome:
    channel: Channel
    status: str  # sent | failed | skipped | duplicate
    notification_id: str | None = None
    reason: str | None = None


def in_quiet_hours(prefs: Preferences, now: datetime) -> bool:
    """Whether ``now`` falls in the user's quiet hours, in their time zone; windows may span midnight."""
    start, end = prefs.quiet_hours_start, prefs.quiet_hours_end
    if start is None or end is None or start == end:
        return False
    local: time = now.astimezone(ZoneInfo(prefs.timezone)).time().replace(tzinfo=None)
    return start <= local < end if start < end else (local >= start or local < end)


class NotificationService:
    def __init__(
        self,
        db: Databases,
        notification_log: NotificationLog,
        providers: dict[Channel, NotificationProvider],
        settings: NotifySettings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db, self.log, self.providers, self.settings, self.clock = db, notification_log, providers, settings, clock

    async def notify(self, envelope: EventEnvelope) -> list[ChannelOutcome]:
        """Send what this event announces to its user; safe to call any number of times."""
        event = envelope.parse()  # an unknown type raises: the consumer dead-letters it
        if render(event, "email", "") is None:
            return []
        user_id: uuid.UUID | None = getattr(event, "user_id", None)
        if user_id is None:
            return []
        async with self.db.pool_for_user(user_id).connection() as conn:
            recipient = await load_recipient(conn, user_id, tuple(self.settings.default_channels))
        if recipient is None:
            log.warning("notification for an unknown user", user_id=str(user_id), event_id=str(envelope.event_id))
            return []
        return [await self._deliver(envelope, event, recipient, channel) for channel in recipient.preferences.channels]

    async def _deliver(
        self, envelope: EventEnvelope, event: Any, recipient: Recipient, channel: Channel
    ) -> ChannelOutcome:
        provider = self.providers[channel]
        prefs, now = recipient.preferences, self.clock()
        address = recipient.address(channel)
        skip = None
        if envelope.event_type in prefs.muted_event_types:
            skip = "muted"
        elif address is None:
            skip = f"no {channel} address"
        elif channel == "sms" and in_quiet_hours(prefs, now):
            skip = "quiet_hours"
        message = render(event, channel, recipient.name)
        assert message is not None
        notification_id = str(new_id())
        doc = log_entry(
            now,
            _id=notification_id,
            event_id=str(envelope.event_id),
            event_type=envelope.event_type,
            template=template_key(event),
            channel=channel,
            provider=provider.name,
            user_id=str(recipient.user_id),
            order_id=envelope.payload.get("order_id"),
            recipient=address,
            subject=message.subject,
            body=message.body,
            status="skipped" if skip else "sending",
            reason=skip,
        )
        claimed = await self.log.claim(doc)
        if claimed is None:
            return ChannelOutcome(channel, "duplicate")
        if skip:
            NOTIFICATIONS.labels(channel, provider.name, "skipped").inc()
            return ChannelOutcome(channel, "skipped", notification_id, skip)
        assert address is not None
        outgoing = OutgoingMessage(
            str(claimed["_id"]), str(envelope.event_id), channel, address, message.body, message.subject
        )
        return await self._send(provider, outgoing)

    async def _send(self, provider: NotificationProvider, message: OutgoingMessage) -> ChannelOutcome:
        attempts = 0
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self.settings.send_attempts),
                wait=wait_exponential(multiplier=self.settings.backoff_seconds, max=self.settings.backoff_max_seconds),
                retry=retry_if_exception_type(TransientSendError),
                reraise=True,
            ):
                with attempt:
                    attempts += 1
                    delivery = await provider.send(message)
        except SendError as exc:
            await self.log.finish(message.notification_id, "failed", attempts, error=str(exc))
            NOTIFICATIONS.labels(message.channel, provider.name, "failed").inc()
            log.warning("notification failed", notification_id=message.notification_id, error=str(exc))
            return ChannelOutcome(message.channel, "failed", message.notification_id, str(exc))
        await self.log.finish(
            message.notification_id, "sent", attempts, provider_message_id=delivery.provider_message_id
        )
        NOTIFICATIONS.labels(message.channel, provider.name, "sent").inc()
        return ChannelOutcome(message.channel, "sent", message.notification_id)


# --- preferences -----------------------------------------------------------------------------------
class PreferenceService:
    """The signed-in user's side of notifications: their preferences, and what was sent to them."""

    def __init__(self, db: Databases, notification_log: NotificationLog, settings: NotifySettings) -> None:
        self.db, self.log, self.settings = db, notification_log, settings

    async def preferences(self, user_id: uuid.UUID) -> Preferences:
        """The saved preferences, or the defaults until the user saves some."""
        async with self.db.pool_for_user(user_id).connection() as conn:
            recipient = await load_recipient(conn, user_id, tuple(self.settings.default_channels))
        if recipient is None:
            raise NotFoundError(_NO_ACCOUNT)
        return recipient.preferences

    async def replace_preferences(self, user_id: uuid.UUID, prefs: Preferences) -> Preferences:
        try:
            validate_preferences(prefs)
        except ValueError as exc:
            raise UnprocessableError(str(exc), title="Invalid notification preferences") from exc
        async with self.db.user_tx(user_id) as conn:
            if await load_recipient(conn, user_id, prefs.channels) is None:
                raise NotFoundError(_NO_ACCOUNT)
            return await save_preferences(conn, user_id, prefs)

    async def sent_to(self, user_id: uuid.UUID, limit: int) -> list[Doc]:
        """The user's log entries (sent, skipped or failed), newest first."""
        return await self.log.for_user(user_id, limit)


def validate_preferences(prefs: Preferences) -> None:
    """Raise ValueError with a message fit for the API when the preferences cannot be honoured."""
    from zoneinfo import ZoneInfoNotFoundError

    from pizza.contracts.events import EVENT_TYPES

    if len(set(prefs.channels)) != len(prefs.channels):
        raise ValueError("each channel may be named once")
    if (prefs.quiet_hours_start is None) != (prefs.quiet_hours_end is None):
        raise ValueError("quiet hours need both a start and an end")
    try:
        ZoneInfo(prefs.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {prefs.timezone!r}") from exc
    unknown = sorted(set(prefs.muted_event_types) - set(EVENT_TYPES))
    if unknown:
        raise ValueError(f"unknown event types: {', '.join(unknown)}")
