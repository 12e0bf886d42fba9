"""Notification providers behind one protocol; ``build_providers`` maps each channel to one from settings."""

from __future__ import annotations

from pathlib import Path

from api.domain.notifications.providers.base import (
    CHANNELS,
    Channel,
    Delivery,
    NotificationProvider,
    OutgoingMessage,
    SendError,
    TransientSendError,
)
from api.domain.notifications.providers.logfile import LogFileProvider
from api.domain.notifications.providers.sendgrid import SendGridEmailProvider
from api.domain.notifications.providers.smtp import SmtpProvider
from api.domain.notifications.providers.twilio import TwilioSmsProvider
from api.domain.notifications.settings import NotifySettings


def build_providers(settings: NotifySettings, state_dir: Path) -> dict[Channel, NotificationProvider]:
    log = LogFileProvider(settings.output_file or state_dir / "notifications" / "notifications.jsonl")
    email: NotificationProvider = log
    if settings.email_provider == "smtp":
        email = SmtpProvider(settings)
    elif settings.email_provider == "sendgrid":
        email = SendGridEmailProvider(settings)
    sms: NotificationProvider = TwilioSmsProvider(settings) if settings.sms_provider == "twilio" else log
    return {"email": email, "sms": sms}


__all__ = [
    "CHANNELS",
    "Channel",
    "Delivery",
    "LogFileProvider",
    "NotificationProvider",
    "OutgoingMessage",
    "SendError",
    "SendGridEmailProvider",
    "SmtpProvider",
    "TransientSendError",
    "TwilioSmsProvider",
    "build_providers",
]
