"""Who may read operational detail (``/metrics``, the checks of ``/ready``): the ops token, or loopback.

Metrics and per-store checks tell an attacker what runs behind the API and when it is weak. With
``PIZZA_API_OPS_TOKEN`` set, a caller must send it as ``Authorization: Bearer <token>`` (Prometheus'
``authorization`` setting does). Unset, only a direct caller on the same host (loopback, no
``X-Forwarded-For`` from a proxy) may: the local stack's status checks and a sidecar scraper. The client
is the one ``api.lib.client_address`` resolved: behind a trusted proxy, the hop the proxy saw, never the
proxy itself; and any request a proxy forwarded carries ``X-Forwarded-For``, so it is never let in.
"""

from __future__ import annotations

import hmac
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from api.lib.errors import NotFoundError

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def may_read_ops_detail(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    token = connection.app.state.settings.ops_token if "settings" in connection.app.state else None
    if token is not None:
        sent = connection.headers.get("authorization", "")
        return hmac.compare_digest(sent.encode(), f"Bearer {token.get_secret_value()}".encode())
    client = connection.client.host if connection.client else None
    return client in LOOPBACK and "x-forwarded-for" not in connection.headers


def ops_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A guard answering 404 to anyone else: the route's existence is itself detail."""
    if not may_read_ops_detail(connection):
        raise NotFoundError("no such resource")
