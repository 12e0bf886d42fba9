"""What the notification endpoints speak."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any, Literal

from api.domain.notifications.repositories import Preferences


@dataclass
class NotificationPreferences:
    channels: list[Literal["email", "sms"]]
    quiet_hours_start: time | None = None
    quiet_hours_end: time | None = None
    timezone: str = "UTC"
    muted_event_types: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, prefs: Preferences) -> NotificationPreferences:
        return cls(
            channels=list(prefs.channels),
            quiet_hours_start=prefs.quiet_hours_start,
            quiet_hours_end=prefs.quiet_hours_end,
            timezone=prefs.timezone,
            muted_event_types=list(prefs.muted_event_types),
        )

    def to_domain(self) -> Preferences:
        return Preferences(
            channels=tuple(self.channels),
            quiet_hours_start=self.quiet_hours_start,
            quiet_hours_end=self.quiet_hours_end,
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
