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

The address a budget counts is ``counted_address``: an IPv4 address itself, an IPv6 address by its /64.
One customer line is given a whole /64 (RFC 6177) and can pick any address in it, so counting single IPv6
addresses would give one client 2^64 budgets.
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import Any, cast

from litestar.middleware import DefineMiddleware
from litestar.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

IPV6_BUDGET_PREFIX = 64


def counted_address(host: str | None) -> str:
    """The identity a per-address budget counts for ``host``: itself for IPv4, its /64 for IPv6."""
    if not host:
        return "unknown"
    try:
        address = ip_address(host)
    except ValueError:  # a unix socket or a test client's name: count it as it is
        return host
    if isinstance(address, IPv6Address):
        if address.ipv4_mapped is not None:  # ::ffff:a.b.c.d is the IPv4 client a.b.c.d
            return str(address.ipv4_mapped)
        return str(IPv6Network((address, IPV6_BUDGET_PREFIX), strict=False))
    return str(address)


def _proxy_headers(app: ASGIApp, trusted_hosts: list[str]) -> ASGIApp:
    # uvicorn and Litestar type the same ASGI protocol with their own TypedDicts
    return cast(ASGIApp, ProxyHeadersMiddleware(cast(Any, app), trusted_hosts=trusted_hosts))


def proxy_headers_middleware(trusted: Sequence[IPv4Network | IPv6Network]) -> list[DefineMiddleware]:
    """The middleware to put first in the app's list; none when no proxy is trusted."""
    if not trusted:
        return []
    return [DefineMiddleware(_proxy_headers, trusted_hosts=[str(network) for network in trusted])]
