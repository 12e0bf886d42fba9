"""The client address behind a trusted proxy, over real HTTP: ``X-Forwarded-For`` is believed only from a
peer in ``PIZZA_API_TRUSTED_PROXIES`` (the right-most untrusted hop), so the per-address limits count the
real client there and a client elsewhere cannot pick its own address; operators' detail stays closed to
anything a proxy forwarded."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import httpx
import pytest
import redis

from pizza.config import PlatformSettings

pytestmark = pytest.mark.integration
Server = Callable[..., contextlib.AbstractContextManager[str]]
IP_LIMIT = 3
PROXY, STRANGER = "127.0.0.1", "127.0.0.11"  # the trusted proxy; a peer that is not one


@pytest.fixture(scope="module")
def proxied_url(api_server: Server, stack: PlatformSettings) -> Iterator[str]:
    client = redis.Redis.from_url(stack.redis)
    for key in client.scan_iter("pizza:ratelimit*/ip/*"):  # a re-run within the minute starts from zero
        client.delete(key)
    client.close()
    env = {"PIZZA_API_TRUSTED_PROXIES": f'["{PROXY}/32", "10.9.0.0/16"]', "PIZZA_API_RATE_LIMIT_PER_MINUTE_IP": "3"}
    with api_server("proxied", **env) as url:
        yield url


def client_from(url: str, address: str) -> httpx.Client:
    return httpx.Client(base_url=url, transport=httpx.HTTPTransport(local_address=address))


def statuses(http: httpx.Client, forwarded_for: str, n: int) -> list[int]:
    return [http.get("/restaurants", headers={"X-Forwarded-For": forwarded_for}).status_code for _ in range(n)]


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget(proxied_url: str) -> None:
    with client_from(proxied_url, PROXY) as proxy:
        assert statuses(proxy, "203.0.113.1", IP_LIMIT + 1) == [200] * IP_LIMIT + [429]
        assert statuses(proxy, "203.0.113.2", 1) == [200]  # another customer behind the same proxy
        # A client's own X-Forwarded-For is to the left of what the proxy appended: the right-most hop counts.
        assert statuses(proxy, "198.51.100.99, 203.0.113.1", 1) == [429]
        # Hops that are trusted proxies themselves are skipped: the client is the first untrusted one.
        assert statuses(proxy, "203.0.113.1, 10.9.4.2", 1) == [429]


def test_from_a_peer_that_is_no_trusted_proxy_the_header_is_ignored(proxied_url: str) -> None:
    with client_from(proxied_url, STRANGER) as stranger:
        forged = [f"203.0.113.{100 + i}" for i in range(IP_LIMIT + 1)]  # a new "address" on every request
        answers = [stranger.get("/restaurants", headers={"X-Forwarded-For": f}).status_code for f in forged]
        assert answers == [200] * IP_LIMIT + [429]  # all counted against the peer itself


def test_operators_detail_is_never_shown_to_a_forwarded_request(proxied_url: str) -> None:
    with client_from(proxied_url, PROXY) as proxy:
        assert proxy.get("/metrics").status_code == 200  # the loopback caller itself, not forwarded
        assert proxy.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 404
        assert proxy.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 404


def test_hsts_follows_the_scheme_only_a_trusted_proxy_reports(proxied_url: str) -> None:
    https = {"X-Forwarded-For": "203.0.113.50", "X-Forwarded-Proto": "https"}
    with client_from(proxied_url, PROXY) as proxy, client_from(proxied_url, STRANGER) as stranger:
        assert proxy.get("/health", headers=https).headers["strict-transport-security"].startswith("max-age=")
        assert "strict-transport-security" not in proxy.get("/health").headers  # the proxy says plain HTTP
        assert "strict-transport-security" not in stranger.get("/health", headers=https).headers


def test_one_ipv6_slash_64_is_one_budget_however_many_addresses_it_uses(proxied_url: str) -> None:
    with client_from(proxied_url, PROXY) as proxy:
        rotating = [statuses(proxy, f"2001:db8:7:1::{i:x}", 1)[0] for i in range(1, IP_LIMIT + 2)]
        assert rotating == [200] * IP_LIMIT + [429]  # a new address of the same /64 on every request
        assert statuses(proxy, "2001:db8:7:2::1", 1) == [200]  # the next /64 is another customer's line
