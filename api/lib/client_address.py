"""The client's address behind a proxy: ``X-Forwarded-For`` is believed only from a trusted proxy.

Behind a load balancer every request arrives from the balancer, so per-address limits would count all
customers as one. But ``X-Forwarded-For`` is a header anyone can send: believed from anyone, it lets a
client pick its own address and walk past every per-address limit. So with ``PIZZA_API_TRUSTED_PROXIES``
set (IPs or CIDRs), a request whose socket peer is one of them gets as its client the right-most
``X-Forwarded-For`` hop that is not a trusted proxy (each proxy appends the address it saw, so that is the
first hop no trusted proxy vouches against); from any other peer the header is ignored. Empty (the
default), the socket peer is the client. uvicorn's ``ProxyHeadersMiddleware`` does the parsing (several
headers, IPv6, ports) and also takes ``X-Forwarded-Proto`` from a trusted proxy.

It runs first, so every per-address decision after it reads the resolved ``scope["client"]``: the
request limits (``api.lib.ratelimit``), the WebSocket budget, the sign-up and reset budgets, and the
operators' check (``api.domain.system.access``).
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network
from typing import Any, cast

from litestar.middleware import DefineMiddleware
from litestar.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware


def _proxy_headers(app: ASGIApp, trusted_hosts: list[str]) -> ASGIApp:
    # uvicorn and Litestar type the same ASGI protocol with their own TypedDicts
    return cast(ASGIApp, ProxyHeadersMiddleware(cast(Any, app), trusted_hosts=trusted_hosts))


def proxy_headers_middleware(trusted: Sequence[IPv4Network | IPv6Network]) -> list[DefineMiddleware]:
    """The middleware to put first in the app's list; none when no proxy is trusted."""
    if not trusted:
        return []
    return [DefineMiddleware(_proxy_headers, trusted_hosts=[str(network) for network in trusted])]
