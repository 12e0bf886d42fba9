"""Dependency providers of the accounts domain."""

from __future__ import annotations

from litestar.datastructures import State
from redis.asyncio import Redis

from api.db import Databases
from api.domain.accounts.services import AccountService


def provide_account_service(db: Databases, redis: Redis, state: State) -> AccountService:
    return AccountService(db=db, redis=redis, settings=state.settings)
