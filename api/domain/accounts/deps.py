"""Dependency providers of the accounts domain."""

from __future__ import annotations

from litestar.datastructures import State
from redis.asyncio import Redis

from api.db import Databases
from api.domain.accounts.services import AccountService
from api.domain.accounts.throttle import LoginThrottle


def provide_account_service(db: Databases, redis: Redis, state: State) -> AccountService:
    settings = state.settings
    limiter = state.get("rate_limiter")  # the request limiter's Redis windows (api.lib.ratelimit)
    throttle = (
        LoginThrottle.of(limiter.limiter, settings.login_failures_per_15_minutes, settings.login_failures_per_day)
        if limiter is not None
        else None
    )
    return AccountService(db=db, redis=redis, settings=settings, throttle=throttle)
