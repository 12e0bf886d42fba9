"""What the notification endpoints speak."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from api.domain.notifications.repositories import Preferences

# A wall-clock time in the user's zone, to the second. A string with this exact pattern, not ``time``:
# Litestar documents ``time`` as ``format: duration``, and msgspec would also take fractions and offsets.
QuietTime = Annotated[
    str,
    Meta(
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$",
        description="local time HH:MM:SS in `timezone`",
        examples=["22:00:00"],
    ),
]


def _wall_clock(value: time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M:%S")


def _time_of(value: str | None) -> time | None:
    return None if value is None else time.fromisoformat(value)


class NotificationPreferences(Struct):
    """A msgspec struct, not a dataclass: Litestar documents msgspec constraints (``QuietTime``) only on structs."""

    channels: list[Literal["email", "sms"]]
    quiet_hours_start: QuietTime | None = None
    quiet_hours_end: QuietTime | None = None
    timezone: str = "UTC"
    muted_event_types: list[str] = msgspec.field(default_factory=list)

    @classmethod
    def of(cls, prefs: Preferences) -> NotificationPreferences:
        return cls(
            channels=list(prefs.channels),
            quiet_hours_start=_wall_clock(prefs.quiet_hours_start),
            quiet_hours_end=_wall_clock(prefs.quiet_hours_end),
            timezone=prefs.timezone,
            muted_event_types=list(prefs.muted_event_types),
        )

    def to_domain(self) -> Preferences:
        return Preferences(
            channels=tuple(self.channels),
            quiet_hours_start=_time_of(self.quiet_hours_start),
            quiet_hours_end=_time_of(self.quiet_hours_end),
            timezone=self.timezone,
            muted_event_types=tuple(self.muted_event_types),
        )


@dataclass
class Notification:
    notification_id: str
    event_id: str
    event_type: str
    channel: str
    status: str
    created_at: datetime
    subject: str | None = None
    body: str | None = None
    reason: str | None = None
    order_id: str | None = None
    sent_at: datetime | None = None

    @classmethod
    def of(cls, doc: dict[str, Any]) -> Notification:
        return cls(
            notification_id=str(doc["_id"]),
            event_id=doc["event_id"],
            event_type=doc["event_type"],
            channel=doc["channel"],
            status=doc["status"],
            created_at=doc["created_at"],
            subject=doc.get("subject"),
            body=doc.get("body"),
            reason=doc.get("reason"),
            order_id=doc.get("order_id"),
            sent_at=doc.get("sent_at"),
        )
