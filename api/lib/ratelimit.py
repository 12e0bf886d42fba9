"""Rate limits per client IP and per authenticated user, shared by every worker and host through Redis.

Who is counted where:
- an anonymous request (sign-up, login, public browsing) counts against its address's ``ip`` window;
- a signed-in request counts against its user's ``user`` window, sized by role (a kitchen tablet or a
  rider's phone makes more calls than a customer, a trusted admin import far more), and against the
  address's ``ip_total`` ceiling, a flood guard set well above one user's budget because many customers
  can share one address behind a carrier NAT or an office proxy.

The counting is done by the ``limits`` library (a moving window of request times kept by atomic Lua scripts
in Redis), so the limit holds across all Granian workers and API hosts, which a per-process counter
could not. Every limited response carries the IETF ``RateLimit-*`` headers of the tightest policy;
a refused request gets a 429 problem document with ``Retry-After``.

Health, readiness and metrics are never limited: probes must not be throttled by load.
If Redis cannot be reached the request is let through and a warning logged: losing the limiter
must not take the API down (the limit is abuse protection, not a correctness rule). Where the limits are
what keeps abuse out (``PIZZA_API_RATE_LIMITS_FAIL_CLOSED``), a limiter error answers 503 with
``Retry-After`` instead (``limiter_unavailable``), here and in every other budget counted in these windows.

The address counted is ``scope["client"]``: the socket peer, or the client a trusted proxy named
(``api.lib.client_address``).
"""

from __future__ import annotations

import math
import time
import uuid
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from litestar.config.app import AppConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.lib.client_address import counted_address
from api.lib.errors import ServiceUnavailableError, TooManyRequestsError
from pizza.logs import get_logger

log = get_logger(__name__)
UNLIMITED_PATHS = ("^/health$", "^/ready$", "^/metrics")
LIMITER_RETRY_AFTER_S = 2  # about the time a restarted Redis takes to accept connections again


def limiter_unavailable() -> ServiceUnavailableError:
    """The fail-closed answer when a limit cannot be counted: come back shortly, do not go through."""
    return ServiceUnavailableError(
        f"the rate limiter cannot count requests right now; retry in {LIMITER_RETRY_AFTER_S} s",
        headers={"Retry-After": str(LIMITER_RETRY_AFTER_S)},
    )


@dataclass(frozen=True, slots=True)
class Policy:
    name: str  # "ip" or "user": which identity the window counts
    item: RateLimitItem

    def header(self) -> str:
        return f'{self.item.amount};w={self.item.get_expiry()};name="{self.name}"'


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    policy: Policy
    remaining: int
    reset_seconds: int
    policies: tuple[Policy, ...]

    def headers(self) -> dict[str, str]:
        headers = {
            "RateLimit-Limit": str(self.policy.item.amount),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
            "RateLimit-Policy": ", ".join(p.header() for p in self.policies),
        }
        if not self.allowed:
            headers["Retry-After"] = str(max(self.reset_seconds, 1))
        return headers


@dataclass(frozen=True, slots=True)
class Budgets:
    """Requests per minute for each window (see the module docstring)."""

    ip: int
    ip_total: int
    user_by_role: dict[str, int]
    fail_closed: bool = False  # a limiter error refuses the request (503) instead of letting it through


class RateLimiter:
    """Counts one request against the anonymous IP window, or against the user's and the address's windows."""

    def __init__(self, redis_url: str, budgets: Budgets) -> None:
        storage = RedisStorage(
            "async+" + redis_url, implementation="redispy", key_prefix="pizza:ratelimit", wrap_exceptions=True
        )
        self.limiter = MovingWindowRateLimiter(storage)
        self.ip = Policy("ip", RateLimitItemPerMinute(budgets.ip))
        self.ip_total = Policy("ip_total", RateLimitItemPerMinute(budgets.ip_total))
        self.user = {role: Policy("user", RateLimitItemPerMinute(n)) for role, n in budgets.user_by_role.items()}
        self.fail_closed = budgets.fail_closed

    def policies_for(self, ip: str, user_id: uuid.UUID | None, role: str | None) -> list[tuple[Policy, str]]:
        if user_id is None:
            return [(self.ip, ip)]
        return [(self.ip_total, ip), (self.user[role or "customer"], str(user_id))]

    async def check(self, ip: str, user_id: uuid.UUID | None, role: str | None = None) -> Verdict:
        checks = self.policies_for(ip, user_id, role)
        policies = tuple(policy for policy, _ in checks)
        tightest: Verdict | None = None
        for policy, identity in checks:
            allowed = await self.limiter.hit(policy.item, policy.name, identity)
            stats = await self.limiter.get_window_stats(policy.item, policy.name, identity)
            verdict = Verdict(
                allowed=allowed,
                policy=policy,
                remaining=max(stats.remaining, 0),
                reset_seconds=max(math.ceil(stats.reset_time - time.time()), 0),
                policies=policies,
            )
            if not allowed:
                return verdict
            if tightest is None or verdict.remaining < tightest.remaining:
                tightest = verdict
        assert tightest is not None
        return tightest


class RateLimitMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    exclude_path_pattern = UNLIMITED_PATHS
    exclude_opt_key = "exclude_from_rate_limit"

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        client = scope.get("client")
        ip = counted_address(client[0] if client else None)
        user = scope.get("user")
        user_id: uuid.UUID | None = getattr(user, "user_id", None)
        try:
            verdict = await self.limiter.check(ip, user_id, getattr(user, "role", None))
        except StorageError as exc:
            if self.limiter.fail_closed:
                log.warning("rate limiter unavailable; request refused (fail closed)", error=str(exc))
                raise limiter_unavailable() from exc
            log.warning("rate limiter unavailable; request let through", error=str(exc))
            await next_app(scope, receive, send)
            return
        if not verdict.allowed:
            raise TooManyRequestsError(
                f"more than {verdict.policy.item.amount} requests per minute for this "
                f"{'address' if verdict.policy.name == 'ip_total' else verdict.policy.name}; "
                f"retry in {verdict.reset_seconds} s",
                headers=verdict.headers(),
            )
        headers = verdict.headers()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                mutable = MutableScopeHeaders.from_message(message)
                for key, value in headers.items():
                    mutable[key] = value
            await send(message)

        await next_app(scope, receive, send_with_headers)


@dataclass(frozen=True, slots=True)
class RateLimitConfig:
    """Installs the limiter as the innermost app middleware, after authentication has named the user."""

    redis_url: str
    budgets: Budgets

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        limiter = RateLimiter(self.redis_url, self.budgets)
        app_config.middleware.append(RateLimitMiddleware(limiter))
        app_config.state["rate_limiter"] = limiter  # WebSocket handlers count their frames (api.lib.websockets)
        return app_config
