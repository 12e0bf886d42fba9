"""Per-account login throttling: failed passwords for one email are counted, and past a budget that
account refuses logins for a while (429 with ``Retry-After``), whoever asks and from wherever.

Two moving windows, kept in Redis by the ``limits`` library like the request limits: a short one stops
a quick guessing run, a long one slows a patient one, so together they act as a backoff. The key is a
digest of the normalised email, so Redis holds no address, and unknown emails are throttled the same
way (the answer never tells whether an account exists). A correct password clears both windows. The
per-address budget on ``/auth/token`` is the request rate limiter's. If Redis cannot count, logins go
on unthrottled and a warning is logged, like the request limits; when the limits fail closed
(``PIZZA_API_RATE_LIMITS_FAIL_CLOSED``) the login is refused with 503 before any password is hashed.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerDay, RateLimitItemPerMinute
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from api.lib.ratelimit import limiter_unavailable
from pizza.logs import get_logger

log = get_logger(__name__)
NAMESPACE = "login-failures"


def account_key(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class LoginThrottle:
    limiter: MovingWindowRateLimiter
    windows: tuple[RateLimitItem, ...]
    fail_closed: bool = False

    @classmethod
    def of(
        cls, limiter: MovingWindowRateLimiter, per_15_minutes: int, per_day: int, *, fail_closed: bool = False
    ) -> LoginThrottle:
        windows = (RateLimitItemPerMinute(per_15_minutes, 15), RateLimitItemPerDay(per_day))
        return cls(limiter, windows, fail_closed)

    async def retry_after(self, email: str) -> int | None:
        """Seconds until this account may try again, or None while it is within its budget."""
        key = account_key(email)
        try:
            for window in self.windows:
                if not await self.limiter.test(window, NAMESPACE, key):
                    stats = await self.limiter.get_window_stats(window, NAMESPACE, key)
                    return max(math.ceil(stats.reset_time - time.time()), 1)
        except StorageError as exc:
            if self.fail_closed:
                log.warning("login throttle unavailable; login refused (fail closed)", error=str(exc))
                raise limiter_unavailable() from exc
            log.warning("login throttle unavailable; login let through", error=str(exc))
        return None

    async def failed(self, email: str) -> None:
        key = account_key(email)
        try:
            for window in self.windows:
                await self.limiter.hit(window, NAMESPACE, key)
        except StorageError as exc:
            log.warning("login throttle unavailable; failure not counted", error=str(exc))

    async def succeeded(self, email: str) -> None:
        key = account_key(email)
        try:
            for window in self.windows:
                await self.limiter.clear(window, NAMESPACE, key)
        except StorageError as exc:
            log.warning("login throttle unavailable; failures not cleared", error=str(exc))
