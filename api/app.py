"""The Litestar application: stores opened once per worker, domains mounted from ``api.domain.DOMAINS``."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.plugins.prometheus import PrometheusConfig

from api.db import Databases
from api.deps import provide_db, provide_mongo, provide_redis
from api.domain import DOMAINS
from api.domain.delivery import DeliveryPlugin, LiveChannels  # live updates over WebSockets (Redis pub/sub)
from api.domain.notifications.settings import get_notify_settings
from api.domain.payments.settings import get_payment_settings
from api.lib.auth import build_auth
from api.lib.client_address import proxy_headers_middleware
from api.lib.errors import internal_error_handler, problem_details_plugin
from api.lib.headers import security_headers_middleware
from api.lib.preflight import options_middleware
from api.lib.ratelimit import RateLimitConfig
from api.lib.requests import request_id_middleware
from api.lib.strict_bodies import StrictJsonRequest
from api.lib.strict_schemas import StrictStructSchemaPlugin
from api.lib.unavailable import unavailable_handlers
from api.settings import ApiSettings, get_api_settings
from pizza.config import PlatformSettings, get_platform_settings
from pizza.db.connections import mongo_client as new_mongo_client
from pizza.db.connections import redis_client
from pizza.logs import configure_logging
from pizza.secrets import require_secrets


def create_app(settings: ApiSettings | None = None, platform: PlatformSettings | None = None) -> Litestar:
    settings = settings or get_api_settings()
    platform = platform or get_platform_settings()
    configure_logging()
    weak = settings.weak_secrets() + get_payment_settings().weak_secrets() + get_notify_settings().weak_secrets()
    require_secrets("api", platform, weak)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        db = Databases(platform, min_size=settings.pg_pool_min, max_size=settings.pg_pool_max)
        await db.open()
        redis = redis_client(platform.redis)
        mongo_client = new_mongo_client(platform.mongo)
        app.state.update(
            db=db,
            redis=redis,
            mongo_client=mongo_client,
            mongo=mongo_client[platform.mongo_database],
            settings=settings,
            platform=platform,
        )
        try:
            yield
        finally:
            await db.close()
            await redis.aclose()
            await mongo_client.close()

    controllers = []
    for name in DOMAINS:
        controllers.extend(importlib.import_module(f"api.domain.{name}").controllers)

    auth = build_auth(settings.jwt_secret.get_secret_value(), settings.jwt_algorithm, settings.access_token_minutes)
    rate_limit = RateLimitConfig(platform.redis, settings.rate_limit_budgets())
    prometheus = PrometheusConfig(app_name="pizza_api", prefix="pizza_api", group_path=True, exclude=["/metrics"])
    return Litestar(
        route_handlers=controllers,
        lifespan=[lifespan],
        dependencies={
            "db": Provide(provide_db, sync_to_thread=False),
            "redis": Provide(provide_redis, sync_to_thread=False),
            "mongo": Provide(provide_mongo, sync_to_thread=False),
        },
        middleware=[
            *proxy_headers_middleware(settings.trusted_proxies),  # first: every later check sees the real client
            security_headers_middleware,
            request_id_middleware,
            prometheus.middleware,
            options_middleware,
        ],
        on_app_init=[auth.on_app_init, rate_limit.on_app_init],
        plugins=[problem_details_plugin(), StrictStructSchemaPlugin(), LiveChannels(platform.redis), DeliveryPlugin()],
        exception_handlers={Exception: internal_error_handler, **unavailable_handlers()},
        cors_config=CORSConfig(allow_origins=settings.cors_origins),
        openapi_config=OpenAPIConfig(
            title=settings.title,
            version=settings.version,
            path="/schema",
            description="Order pizza worldwide: accounts, restaurants and menus, search, carts and orders.",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
        ),
        request_class=StrictJsonRequest,
        debug=settings.debug,
    )
