"""Start-up wiring of the delivery domain: the tracking indexes exist before the first request."""

from __future__ import annotations

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.plugins import InitPlugin

from api.domain.delivery.settings import get_delivery_settings
from api.domain.delivery.tracking import ensure_indexes


async def _ensure_tracking_indexes(app: Litestar) -> None:
    await ensure_indexes(app.state.mongo, ttl_hours=get_delivery_settings().tracking_ttl_hours)


class DeliveryPlugin(InitPlugin):
    """Creates the MongoDB tracking indexes at start-up (idempotent; runs after the stores open)."""

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.on_startup.append(_ensure_tracking_indexes)
        return app_config
