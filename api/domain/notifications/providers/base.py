"""The notification-provider contract. Providers raise one of two errors: retry later, or never."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

Channel = Literal["email", "sms"]
CHANNELS: tuple[Channel, ...] = ("email", "sms")


class SendError(Exception):
    """The provider refused the message for good (bad address, auth, 4xx): do not retry."""


class TransientSendError(SendError):
    """Timeout, connection error, 429 or 5xx: retry with backoff."""


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    notification_id: str
    event_id: str
    channel: Channel
    to: str
    body: str
    subject: str | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    provider_message_id: str | None


class NotificationProvider(Protocol):
    name: str

    async def send(self, message: OutgoingMessage) -> Delivery: ...

    async def close(self) -> None: ...


def classify_http_status(status: int, body: str, provider: str) -> SendError:
    """429 and 5xx are worth another try; other errors will fail the same way again."""
    text = f"{provider} answered {status}: {body[:300]}"
    return TransientSendError(text) if status == 429 or status >= 500 else SendError(text)
