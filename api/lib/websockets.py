"""WebSocket hygiene: an Origin allow-list at the handshake, and the handshake and every frame a client
sends counted against the same per-user rate limit as its HTTP requests.

A browser attaches a WebSocket handshake's cookies and sends its page's ``Origin`` whatever site opened
it (cross-site WebSocket hijacking), and the HTTP rate limit middleware never sees a socket's frames.
A handshake whose ``Origin`` is not one of ``PIZZA_API_CORS_ORIGINS`` is refused with close code 4403.
Clients that are not browsers send no ``Origin`` and are let through: they prove who they are with
their bearer token like any request. A refused handshake closes with 4429; a frame over the budget is
answered with an error frame and dropped, the socket stays open.
"""

from __future__ import annotations

from typing import Any

from limits.errors import StorageError
from litestar.connection import ASGIConnection
from litestar.exceptions import WebSocketException
from litestar.handlers.base import BaseRouteHandler

from api.lib.client_address import counted_address
from api.lib.ratelimit import RateLimiter
from pizza.logs import get_logger

log = get_logger(__name__)

ORIGIN_REFUSED = 4403
RATE_LIMITED = 4429


def origin_allowed(origin: str | None, allowed: list[str]) -> bool:
    return origin is None or "*" in allowed or origin in allowed


async def within_budget(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """Count one handshake or frame against the caller's budget (if Redis cannot count: let through, or
    refused when the limits fail closed)."""
    limiter: RateLimiter | None = connection.app.state.get("rate_limiter")
    if limiter is None:
        return True
    client = connection.scope.get("client")
    user = connection.scope.get("user")
    try:
        verdict = await limiter.check(
            counted_address(client[0] if client else None), getattr(user, "user_id", None), getattr(user, "role", None)
        )
    except StorageError as exc:
        if limiter.fail_closed:  # PIZZA_API_RATE_LIMITS_FAIL_CLOSED: uncounted traffic is refused
            log.warning("rate limiter unavailable; websocket traffic refused (fail closed)", error=str(exc))
            return False
        log.warning("rate limiter unavailable; websocket traffic let through", error=str(exc))
        return True
    return verdict.allowed


async def socket_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """For every ``@websocket`` handler: refuse a foreign Origin, then count the handshake."""
    origin = connection.headers.get("origin")
    if not origin_allowed(origin, connection.app.state.settings.cors_origins):
        raise WebSocketException(detail=f"origin {origin} is not allowed", code=ORIGIN_REFUSED)
    if not await within_budget(connection):
        raise WebSocketException(detail="too many requests; retry later", code=RATE_LIMITED)
