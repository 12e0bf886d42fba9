"""Dependency providers of the notifications domain: providers built once per worker, a service per request."""

from __future__ import annotations

from litestar.datastructures import State

from api.domain.notifications.providers import Channel, NotificationProvider, build_providers
from api.domain.notifications.repositories import NotificationLog
from api.domain.notifications.services import NotificationService
from api.domain.notifications.settings import NotifySettings, get_notify_settings


def providers_for(state: State, settings: NotifySettings) -> dict[Channel, NotificationProvider]:
    providers: dict[Channel, NotificationProvider] | None = state.get("notification_providers")
    if providers is None:
        providers = build_providers(settings, state.platform.state_dir)
        state.notification_providers = providers
    return providers


def build_notification_service(state: State, settings: NotifySettings | None = None) -> NotificationService:
    settings = settings or get_notify_settings()
    notification_log = NotificationLog(state.mongo, settings.log_collection)
    return NotificationService(state.db, notification_log, providers_for(state, settings), settings)


def provide_notification_service(state: State) -> NotificationService:
    return build_notification_service(state)


def provide_notification_log(state: State) -> NotificationLog:
    return NotificationLog(state.mongo, get_notify_settings().log_collection)
