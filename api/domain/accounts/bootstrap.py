"""Creating accounts outside HTTP: the first administrator (``pizza api create-admin``) and test set-up.

There is no public way to become an administrator, so the first one is written by an operator with
access to the databases. It goes through the same service as the admin endpoint, so the account is
identical to one created over HTTP (shard row, catalog directory entry, outbox event).
"""

from __future__ import annotations

import uuid

import msgspec
from redis.asyncio import Redis

from api.db import Databases
from api.domain.accounts.schemas import UserCreate
from api.domain.accounts.services import AccountService
from api.lib.auth import Role
from api.settings import ApiSettings, get_api_settings
from pizza.config import PlatformSettings


async def create_user_direct(
    platform: PlatformSettings,
    *,
    email: str,
    password: str,
    name: str,
    role: Role = "admin",
    restaurant_id: uuid.UUID | None = None,
    settings: ApiSettings | None = None,
) -> uuid.UUID:
    db = Databases(platform, min_size=1, max_size=2)
    await db.open()
    redis = Redis.from_url(platform.redis)
    try:
        service = AccountService(db=db, redis=redis, settings=settings or get_api_settings())
        fields = {"email": email, "password": password, "name": name, "role": role, "restaurant_id": restaurant_id}
        data = msgspec.convert(fields, UserCreate)  # the same constraints as the HTTP body
        user = await service.create_by_admin(data)
        return user.user_id
    finally:
        await db.close()
        await redis.aclose()
