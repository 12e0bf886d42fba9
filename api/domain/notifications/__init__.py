"""Notifications: providers (log/file, SMTP, Twilio, SendGrid), templates, preferences, the MongoDB log."""

from api.domain.notifications.controllers import NotificationController
from api.domain.notifications.deps import build_notification_service
from api.domain.notifications.services import ChannelOutcome, NotificationService

controllers = [NotificationController]
__all__ = ["ChannelOutcome", "NotificationService", "build_notification_service", "controllers"]
