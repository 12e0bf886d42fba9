"""Budgets for abusable work, counted in the request limiter's Redis windows before the work is done.

The request limiter counts every request alike; some requests cost far more or reach a third party: a
sign-up hashes a password (64 MiB of Argon2), a password-reset request sends an e-mail. A ``Budget`` is
one or more moving windows (the ``limits`` library, like the request limits) under its own namespace,
spent per identity (a client address, or a digest of an e-mail so Redis holds no address). A spent
budget answers how long to wait, and nothing is counted for the refused attempt. If Redis cannot count,
the work goes on with a warning, or is refused with 503 when the limits fail closed.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from api.lib.ratelimit import limiter_unavailable
from pizza.logs import get_logger

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Budget:
    limiter: MovingWindowRateLimiter
    namespace: str
    windows: tuple[RateLimitItem, ...]
    fail_closed: bool = False

    async def spend(self, identity: str) -> int | None:
        """Count one use for ``identity``; the seconds to wait when a window is spent (then nothing is counted)."""
        try:
            for window in self.windows:
                if not await self.limiter.test(window, self.namespace, identity):
                    stats = await self.limiter.get_window_stats(window, self.namespace, identity)
                    return max(math.ceil(stats.reset_time - time.time()), 1)
            for window in self.windows:
                await self.limiter.hit(window, self.namespace, identity)
        except StorageError as exc:
            if self.fail_closed:
                log.warning("budget cannot be counted; refused (fail closed)", budget=self.namespace, error=str(exc))
                raise limiter_unavailable() from exc
            log.warning("budget cannot be counted; let through", budget=self.namespace, error=str(exc))
        return None
