"""Live updates over WebSockets, fanned out across workers and hosts through Redis pub/sub.

Every API worker runs Litestar's ``ChannelsPlugin`` on the Redis pub/sub backend. A message
published on ``order:<id>`` by any worker (or by any other process with a plain Redis ``PUBLISH``)
reaches every socket subscribed to that channel on every worker. Messages are JSON text.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol

from litestar.channels import ChannelsPlugin
from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from litestar.config.app import AppConfig
from litestar.serialization import encode_json
from redis.asyncio import Redis

# KEYS: the order's newest-status key. ARGV: changed_at (epoch seconds), ttl seconds. 1 if newest.
_KEEP_NEWEST = """
local seen = redis.call('GET', KEYS[1])
if seen and tonumber(seen) > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
"""


def order_channel(order_id: uuid.UUID) -> str:
    return f"order:{order_id}"


def rider_channel(rider_id: uuid.UUID) -> str:
    return f"rider:{rider_id}"


class LiveFeed(Protocol):
    """Where services publish live messages. ``ChannelsPlugin`` is one; ``RedisFeed`` is another."""

    async def wait_published(self, data: Any, channels: str | Iterable[str]) -> None: ...


class RedisFeed:
    """Publish straight to Redis, the same wire format the channels backend reads: for processes
    without the Litestar app (an event consumer calling the delivery services)."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def wait_published(self, data: Any, channels: str | Iterable[str]) -> None:
        payload = data if isinstance(data, bytes) else encode_json(data)
        for channel in [channels] if isinstance(channels, str) else channels:
            await self.redis.publish(channel, payload)


class LastStatus:
    """When each order's newest published status changed, so that a replayed older event (the
    consumer redelivers) is never shown after a newer one: the customer's view never goes back."""

    def __init__(self, redis: Redis, ttl_seconds: int = 24 * 3600) -> None:
        self.redis = redis
        self.ttl_seconds = ttl_seconds
        self._keep_newest = redis.register_script(_KEEP_NEWEST)

    @staticmethod
    def key(order_id: uuid.UUID) -> str:
        return f"pizza:live:order:{order_id}:changed_at"

    async def is_newest(self, order_id: uuid.UUID, changed_at: datetime) -> bool:
        """Record ``changed_at`` if no later change was published; True if it was recorded."""
        stored = await self._keep_newest(keys=[self.key(order_id)], args=[changed_at.timestamp(), self.ttl_seconds])
        return bool(stored)


class LiveChannels(ChannelsPlugin):
    """The app's channels plugin. It owns its Redis connection (pub/sub holds one open per worker)
    and closes it at shutdown."""

    def __init__(self, redis_url: str, *, max_backlog: int = 256) -> None:
        self._redis = Redis.from_url(redis_url)
        super().__init__(
            backend=RedisChannelsPubSubBackend(redis=self._redis),
            arbitrary_channels_allowed=True,
            subscriber_max_backlog=max_backlog,  # a slow socket drops its oldest positions, never blocks others
            subscriber_backlog_strategy="dropleft",
        )

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        """Inject as ``live_channels``: the stock name ``channels`` collides with request-body fields of that
        name (notification preferences), which Litestar then fails to resolve."""
        app_config = super().on_app_init(app_config)
        app_config.dependencies["live_channels"] = app_config.dependencies.pop("channels")
        return app_config

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        try:
            await super().__aexit__(exc_type, exc_val, exc_tb)
        finally:
            await self._redis.aclose()
