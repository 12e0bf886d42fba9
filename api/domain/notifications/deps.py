"""Dependency providers of the notifications domain: providers built once per worker, a service per request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.datastructures import State
from pymongo.asynchronous.database import AsyncDatabase

from api.db import Databases
from api.domain.notifications.providers import Channel, NotificationProvider, build_providers
from api.domain.notifications.repositories import NotificationLog
from api.domain.notifications.services import NotificationService, PreferenceService
from api.domain.notifications.settings import NotifySettings, get_notify_settings


def build_notification_service(
    db: Databases,
    mongo: AsyncDatabase[dict[str, Any]],
    state_dir: Path,
    *,
    settings: NotifySettings | None = None,
    providers: dict[Channel, NotificationProvider] | None = None,
) -> NotificationService:
    """The notification service; what the saga's consumers build once per process."""
    settings = settings or get_notify_settings()
    return NotificationService(
        db,
        NotificationLog(mongo, settings.log_collection),
        providers or build_providers(settings, state_dir),
        settings,
    )


def provide_notification_service(state: State) -> NotificationService:
    """Per request, sharing the worker's providers (their HTTP clients keep connections alive)."""
    settings = get_notify_settings()
    providers: dict[Channel, NotificationProvider] | None = state.get("notification_providers")
    if providers is None:
        providers = state.notification_providers = build_providers(settings, state.platform.state_dir)
    return build_notification_service(
        state.db, state.mongo, state.platform.state_dir, settings=settings, providers=providers
    )


def provide_preference_service(state: State) -> PreferenceService:
    settings = get_notify_settings()
    return PreferenceService(state.db, NotificationLog(state.mongo, settings.log_collection), settings)
