"""Alerts to the operations team (not to a customer): an order saga that needs a human, for example.

Same guarantees as customer notifications: the alert is claimed in the notification log under a key
of its cause (unique with the channel) before it is sent, so a retried or replayed saga step never
alerts twice; the send goes through the configured email provider with the service's retries.
Log entries carry ``audience: "ops"`` and no ``user_id``, so they never show in a customer's list.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from api.domain.notifications.providers import OutgoingMessage
from api.domain.notifications.repositories import log_entry
from api.domain.notifications.services import ChannelOutcome, NotificationService
from pizza.ids import new_id

_OPS_NS = uuid.UUID("0b7f5a0e-3c2d-4f7a-9a51-6d2c8e4b1f90")


def alert_key(cause: str) -> str:
    """The log key of an alert: stable for one cause, so the cause alerts once."""
    return str(uuid.uuid5(_OPS_NS, cause))


class OpsAlerts:
    def __init__(self, notifications: NotificationService, recipient: str) -> None:
        self.service = notifications
        self.recipient = recipient

    async def alert(
        self, cause: str, kind: str, subject: str, body: str, *, order_id: uuid.UUID | None = None
    ) -> ChannelOutcome:
        """Email the operations team about ``cause`` once; later calls for the same cause send nothing."""
        provider = self.service.providers["email"]
        doc = log_entry(
            datetime.now(UTC),
            _id=str(new_id()),
            event_id=alert_key(cause),
            event_type="OpsAlert",
            template=f"ops:{kind}",
            audience="ops",
            cause=cause,
            channel="email",
            provider=provider.name,
            user_id=None,
            order_id=str(order_id) if order_id else None,
            recipient=self.recipient,
            subject=subject,
            body=body,
            status="sending",
            reason=None,
        )
        claimed = await self.service.log.claim(doc)
        if claimed is None:
            return ChannelOutcome("email", "duplicate")
        message = OutgoingMessage(str(claimed["_id"]), doc["event_id"], "email", self.recipient, body, subject)
        return await self.service._send(provider, message)
