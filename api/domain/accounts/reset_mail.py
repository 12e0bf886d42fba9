"""The password-reset e-mails, sent straight through the platform's e-mail provider (``PIZZA_NOTIFY_*``).

Not through the outbox and the saga like the welcome mail: an event would carry the token into Kafka
and the lake, where no secret goes. Nor into the MongoDB notification log: its entries are shown to the
account (``GET /users/me/notifications``), so a stolen access token could read the link there and take
the account over without the current password. The provider is the one every e-mail uses (a JSON-lines
file locally, SMTP or SendGrid in production), retried on transient errors like the notifications.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from api.domain.notifications.providers import NotificationProvider, OutgoingMessage, TransientSendError
from api.domain.notifications.settings import NotifySettings
from pizza.ids import new_id

LINK_SUBJECT = "Reset your Pizza Platform password"
CHANGED_SUBJECT = "Your Pizza Platform password was reset"


@dataclass(frozen=True, slots=True)
class ResetMailer:
    provider: NotificationProvider
    settings: NotifySettings
    link: str  # the token is appended
    minutes: int

    async def send_link(self, to: str, name: str, token: str) -> None:
        body = (
            f"Hello {name},\n\nsomeone (we hope you) asked to reset the password of this account. The link "
            f"below works once, for {self.minutes} minutes:\n\n{self.link}{token}\n\n"
            "If it was not you, ignore this e-mail: your password stays as it is.\n"
        )
        await self._send("password-reset", to, LINK_SUBJECT, body)

    async def send_changed(self, to: str, name: str) -> None:
        """The notice after a reset (ASVS: credential changes are notified), so a stolen mailbox shows."""
        body = (
            f"Hello {name},\n\nthe password of this account was just reset and every device was signed out. "
            "If it was not you, contact support at once.\n"
        )
        await self._send("password-changed", to, CHANGED_SUBJECT, body)

    async def _send(self, kind: str, to: str, subject: str, body: str) -> None:
        message_id = str(new_id())
        message = OutgoingMessage(message_id, f"{kind}:{message_id}", "email", to, body, subject)
        async for attempt in AsyncRetrying(
            stop=stop_after_attempt(self.settings.send_attempts),
            wait=wait_exponential(multiplier=self.settings.backoff_seconds, max=self.settings.backoff_max_seconds),
            retry=retry_if_exception_type(TransientSendError),
            reraise=True,
        ):
            with attempt:
                await self.provider.send(message)
