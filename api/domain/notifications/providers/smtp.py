"""Email over SMTP (stdlib ``smtplib`` in a worker thread): any relay, Postfix, SES SMTP, Mailpit locally."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from api.domain.notifications.providers.base import Delivery, OutgoingMessage, SendError, TransientSendError
from api.domain.notifications.settings import NotifySettings


class SmtpProvider:
    name = "smtp"

    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings

    def build(self, message: OutgoingMessage) -> EmailMessage:
        s = self.settings
        email = EmailMessage()
        email["From"] = formataddr((s.from_name, s.from_email))
        email["To"] = message.to
        email["Subject"] = message.subject or s.from_name
        email["Message-ID"] = make_msgid(idstring=message.notification_id, domain=s.from_email.rpartition("@")[2])
        email["X-Pizza-Event-Id"] = message.event_id
        email.set_content(message.body)
        return email

    def _send(self, email: EmailMessage) -> None:
        s = self.settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_username and s.smtp_password:
                smtp.login(s.smtp_username, s.smtp_password.get_secret_value())
            smtp.send_message(email)

    async def send(self, message: OutgoingMessage) -> Delivery:
        email = self.build(message)
        try:
            await asyncio.to_thread(self._send, email)
        except smtplib.SMTPResponseException as exc:  # the server answered with a code
            kind = TransientSendError if 400 <= exc.smtp_code < 500 else SendError
            raise kind(f"smtp {exc.smtp_code}: {exc.smtp_error!r}") from exc
        except smtplib.SMTPRecipientsRefused as exc:  # 4xx for every recipient: greylisting, mailbox busy
            temporary = all(400 <= code < 500 for code, _ in exc.recipients.values())
            raise (TransientSendError if temporary else SendError)(f"smtp refused: {exc.recipients}") from exc
        except (smtplib.SMTPServerDisconnected, OSError) as exc:  # connection refused, timeout, reset
            raise TransientSendError(f"smtp: {type(exc).__name__}: {exc}") from exc
        return Delivery(provider_message_id=str(email["Message-ID"]))

    async def close(self) -> None:
        return None
