"""Dependency providers of the delivery domain."""

from __future__ import annotations

from typing import Any

from litestar.channels import ChannelsPlugin
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from api.db import Databases
from api.domain.delivery.services import DeliveryService


def provide_delivery_service(
    db: Databases, redis: Redis, mongo: AsyncDatabase[dict[str, Any]], live_channels: ChannelsPlugin
) -> DeliveryService:
    return DeliveryService(db, redis, mongo, live_channels)
