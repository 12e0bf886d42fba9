"""Start-up wiring of the delivery domain: the tracking indexes exist before the first request."""

from __future__ import annotations

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.plugins import InitPlugin
from pymongo.errors import PyMongoError

from api.domain.delivery.settings import get_delivery_settings
from api.domain.delivery.tracking import ensure_indexes
from pizza.logs import get_logger

log = get_logger(__name__)


async def _ensure_tracking_indexes(app: Litestar) -> None:
    try:
        await ensure_indexes(app.state.mongo, ttl_hours=get_delivery_settings().tracking_ttl_hours)
    except PyMongoError:  # serve anyway: /ready reports MongoDB, and the next start creates them
        log.exception("tracking indexes not created")


class DeliveryPlugin(InitPlugin):
    """Creates the MongoDB tracking indexes at start-up (idempotent; runs after the stores open)."""

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.on_startup.append(_ensure_tracking_indexes)
        return app_config
