"""Notification preferences of the signed-in user, and what was sent to them."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, put
from litestar.di import Provide

from api.domain.notifications.deps import provide_preference_service
from api.domain.notifications.schemas import Notification, NotificationPreferences
from api.domain.notifications.services import PreferenceService
from api.lib.auth import CurrentUser


class NotificationController(Controller):
    path = "/users/me"
    tags = ["notifications"]
    dependencies = {"preference_service": Provide(provide_preference_service, sync_to_thread=False)}

    @get(
        "/notification-preferences",
        operation_id="GetNotificationPreferences",
        summary="Channels, quiet hours and muted events (the defaults until saved)",
    )
    async def get_preferences(
        self, request: Request[CurrentUser, Any, Any], preference_service: PreferenceService
    ) -> NotificationPreferences:
        return NotificationPreferences.of(await preference_service.preferences(request.user.user_id))

    @put(
        "/notification-preferences",
        operation_id="UpdateNotificationPreferences",
        summary="Replace the notification preferences",
    )
    async def put_preferences(
        self,
        request: Request[CurrentUser, Any, Any],
        preference_service: PreferenceService,
        data: NotificationPreferences,
    ) -> NotificationPreferences:
        saved = await preference_service.replace_preferences(request.user.user_id, data.to_domain())
        return NotificationPreferences.of(saved)

    @get("/notifications", operation_id="ListMyNotifications", summary="Notifications sent (or skipped), newest first")
    async def list_notifications(
        self, request: Request[CurrentUser, Any, Any], preference_service: PreferenceService, limit: int = 50
    ) -> list[Notification]:
        docs = await preference_service.sent_to(request.user.user_id, min(max(limit, 1), 200))
        return [Notification.of(d) for d in docs]
