"""Dependency providers of the accounts domain."""

from __future__ import annotations

from limits import RateLimitItemPerHour
from litestar.datastructures import State
from redis.asyncio import Redis

from api.db import Databases
from api.domain.accounts.password_reset import PasswordResets
from api.domain.accounts.reset_mail import ResetMailer
from api.domain.accounts.services import AccountService
from api.domain.accounts.throttle import LoginThrottle
from api.domain.delivery.tracking import DELIVERIES
from api.domain.erasure import ErasureService
from api.domain.notifications.providers import Channel, NotificationProvider, build_providers
from api.domain.notifications.settings import get_notify_settings
from api.lib.budgets import Budget
from api.lib.ratelimit import RateLimiter


def _hourly(limiter: RateLimiter | None, namespace: str, per_hour: int) -> Budget | None:
    if limiter is None:
        return None
    return Budget(limiter.limiter, namespace, (RateLimitItemPerHour(per_hour),), limiter.fail_closed)


def _throttle(state: State) -> LoginThrottle | None:
    settings = state.settings
    limiter: RateLimiter | None = state.get("rate_limiter")  # the request limiter's Redis windows
    if limiter is None:
        return None
    return LoginThrottle.of(
        limiter.limiter,
        settings.login_failures_per_15_minutes,
        settings.login_failures_per_day,
        fail_closed=limiter.fail_closed,
    )


def provide_account_service(db: Databases, redis: Redis, state: State) -> AccountService:
    settings = state.settings
    signups = _hourly(state.get("rate_limiter"), "signups-ip", settings.signup_budget(state.platform.dev_mode))
    return AccountService(db=db, redis=redis, settings=settings, throttle=_throttle(state), signups=signups)


def provide_password_resets(db: Databases, redis: Redis, state: State) -> PasswordResets:
    settings, notify = state.settings, get_notify_settings()
    providers: dict[Channel, NotificationProvider] | None = state.get("notification_providers")
    if providers is None:  # one set per worker, shared with the notifications domain (kept-alive clients)
        providers = state.notification_providers = build_providers(notify, state.platform.state_dir)
    limiter: RateLimiter | None = state.get("rate_limiter")
    accounts = AccountService(db=db, redis=redis, settings=settings)
    return PasswordResets(
        db=db,
        redis=redis,
        settings=settings,
        passwords=accounts.passwords,
        mailer=ResetMailer(providers["email"], notify, settings.password_reset_link, settings.password_reset_minutes),
        per_address=_hourly(limiter, "password-resets-ip", settings.password_resets_per_hour_ip),
        per_account=_hourly(limiter, "password-resets-account", settings.password_resets_per_hour_account),
        throttle=_throttle(state),
    )


def provide_erasure_service(db: Databases, redis: Redis, state: State) -> ErasureService:
    accounts = AccountService(db=db, redis=redis, settings=state.settings)
    return ErasureService(
        db=db,
        redis=redis,
        mongo=state.mongo,
        passwords=accounts.passwords,
        notification_collection=get_notify_settings().log_collection,
        delivery_collection=DELIVERIES,
    )
