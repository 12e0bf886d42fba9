"""Email through SendGrid's v3 Mail Send API, with httpx; no SDK needed.

``POST /v3/mail/send`` with a bearer API key and a JSON body (personalizations, from, subject,
content); 202 Accepted, the message id in the ``X-Message-Id`` header. Our event id rides along in
``custom_args`` so SendGrid's event webhook can be tied back to the notification log.
"""

from __future__ import annotations

from typing import Any

import httpx

from api.domain.notifications.providers.base import (
    Delivery,
    OutgoingMessage,
    TransientSendError,
    classify_http_status,
)
from api.domain.notifications.settings import NotifySettings


class SendGridEmailProvider:
    name = "sendgrid"

    def __init__(self, settings: NotifySettings, client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.client = client or httpx.AsyncClient(
            base_url=settings.sendgrid_base_url,
            headers={"Authorization": f"Bearer {settings.sendgrid_api_key.get_secret_value()}"},
            timeout=settings.http_timeout_seconds,
        )

    def body(self, message: OutgoingMessage) -> dict[str, Any]:
        return {
            "personalizations": [{"to": [{"email": message.to}]}],
            "from": {"email": self.settings.from_email, "name": self.settings.from_name},
            "subject": message.subject or self.settings.from_name,
            "content": [{"type": "text/plain", "value": message.body}],
            "custom_args": {"notification_id": message.notification_id, "event_id": message.event_id},
        }

    async def send(self, message: OutgoingMessage) -> Delivery:
        try:
            response = await self.client.post("/v3/mail/send", json=self.body(message))
        except httpx.TransportError as exc:
            raise TransientSendError(f"sendgrid: {type(exc).__name__}: {exc}") from exc
        if response.status_code not in (200, 202):
            raise classify_http_status(response.status_code, response.text, "sendgrid")
        return Delivery(provider_message_id=response.headers.get("X-Message-Id"))

    async def close(self) -> None:
        await self.client.aclose()
