"""Dependency providers of the recommendations domain."""

from __future__ import annotations

from litestar.datastructures import State
from redis.asyncio import Redis

from api.db import Databases
from api.domain.accounts import AccountService
from api.domain.recommendations.services import RecommendationService


def provide_recommendation_service(db: Databases, redis: Redis, state: State) -> RecommendationService:
    return RecommendationService(db=db, accounts=AccountService(db=db, redis=redis, settings=state.settings))
