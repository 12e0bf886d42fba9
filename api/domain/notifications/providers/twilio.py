"""SMS through Twilio's public REST API (Programmable Messaging), with httpx; no SDK needed.

``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``, HTTP basic auth (sid, token), form fields
``To``, ``From``, ``Body``; 201 with the message ``sid``.
"""

from __future__ import annotations

import httpx

from api.domain.notifications.providers.base import (
    Delivery,
    OutgoingMessage,
    TransientSendError,
    classify_http_status,
)
from api.domain.notifications.settings import NotifySettings


class TwilioSmsProvider:
    name = "twilio"

    def __init__(self, settings: NotifySettings, client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.client = client or httpx.AsyncClient(
            base_url=settings.twilio_base_url,
            auth=(settings.twilio_account_sid, settings.twilio_auth_token.get_secret_value()),
            timeout=settings.http_timeout_seconds,
        )

    async def send(self, message: OutgoingMessage) -> Delivery:
        path = f"/2010-04-01/Accounts/{self.settings.twilio_account_sid}/Messages.json"
        form = {"To": message.to, "From": self.settings.twilio_from_number, "Body": message.body}
        try:
            response = await self.client.post(path, data=form)
        except httpx.TransportError as exc:
            raise TransientSendError(f"twilio: {type(exc).__name__}: {exc}") from exc
        if response.status_code not in (200, 201):
            raise classify_http_status(response.status_code, response.text, "twilio")
        return Delivery(provider_message_id=response.json().get("sid"))

    async def close(self) -> None:
        await self.client.aclose()
