"""Notification preferences of the signed-in user, and what was sent to them."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, put
from litestar.di import Provide

from api.db import Databases
from api.domain.notifications.deps import provide_notification_log
from api.domain.notifications.repositories import NotificationLog, load_recipient, save_preferences
from api.domain.notifications.schemas import Notification, NotificationPreferences
from api.domain.notifications.services import validate_preferences
from api.domain.notifications.settings import get_notify_settings
from api.lib.auth import CurrentUser
from api.lib.errors import NotFoundError, UnprocessableError


class NotificationController(Controller):
    path = "/users/me"
    tags = ["notifications"]
    dependencies = {"notification_log": Provide(provide_notification_log, sync_to_thread=False)}

    @get(
        "/notification-preferences",
        operation_id="GetNotificationPreferences",
        summary="Channels, quiet hours and muted events (the defaults until saved)",
    )
    async def get_preferences(self, request: Request[CurrentUser, Any, Any], db: Databases) -> NotificationPreferences:
        user_id = request.user.user_id
        async with db.pool_for_user(user_id).connection() as conn:
            recipient = await load_recipient(conn, user_id, tuple(get_notify_settings().default_channels))
        if recipient is None:
            raise NotFoundError("the signed-in user has no account on its shard")
        return NotificationPreferences.of(recipient.preferences)

    @put(
        "/notification-preferences",
        operation_id="UpdateNotificationPreferences",
        summary="Replace the notification preferences",
    )
    async def put_preferences(
        self, request: Request[CurrentUser, Any, Any], db: Databases, data: NotificationPreferences
    ) -> NotificationPreferences:
        prefs = data.to_domain()
        try:
            validate_preferences(prefs)
        except ValueError as exc:
            raise UnprocessableError(str(exc), title="Invalid notification preferences") from exc
        user_id = request.user.user_id
        async with db.user_tx(user_id) as conn:
            if await load_recipient(conn, user_id, prefs.channels) is None:
                raise NotFoundError("the signed-in user has no account on its shard")
            saved = await save_preferences(conn, user_id, prefs)
        return NotificationPreferences.of(saved)

    @get("/notifications", operation_id="ListMyNotifications", summary="Notifications sent (or skipped), newest first")
    async def list_notifications(
        self, request: Request[CurrentUser, Any, Any], notification_log: NotificationLog, limit: int = 50
    ) -> list[Notification]:
        docs = await notification_log.for_user(request.user.user_id, min(max(limit, 1), 200))
        return [Notification.of(d) for d in docs]
