"""Rate limiting over real HTTP with small limits: 429 problem documents and ``RateLimit-*`` headers.

One server with small limits serves the module; each test talks from its own loopback address
(127.0.0.x), so the per-IP windows of the tests are independent.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import redis

from pizza.config import PlatformSettings

pytestmark = pytest.mark.integration
Server = Callable[..., contextlib.AbstractContextManager[str]]
IP_LIMIT, IP_TOTAL_LIMIT, USER_LIMIT = 4, 5, 2


@pytest.fixture(scope="module")
def limited_url(api_server: Server, stack: PlatformSettings) -> Iterator[str]:
    client = redis.Redis.from_url(stack.redis)
    for key in client.scan_iter("pizza:ratelimit*"):  # a re-run within the minute starts from zero
        client.delete(key)
    client.close()
    env = {
        "PIZZA_API_RATE_LIMIT_PER_MINUTE_IP": str(IP_LIMIT),
        "PIZZA_API_RATE_LIMIT_PER_MINUTE_IP_TOTAL": str(IP_TOTAL_LIMIT),
        "PIZZA_API_RATE_LIMIT_PER_MINUTE_USER": str(USER_LIMIT),
    }
    with api_server("limited", **env) as url:
        yield url


def client_from(url: str, address: str) -> httpx.Client:
    return httpx.Client(base_url=url, transport=httpx.HTTPTransport(local_address=address))


def test_the_ip_limit_counts_down_then_answers_429_with_retry_after(limited_url: str) -> None:
    with client_from(limited_url, "127.0.0.2") as http:
        answers = [http.get("/restaurants") for _ in range(IP_LIMIT)]
        assert [r.status_code for r in answers] == [200] * IP_LIMIT
        assert [r.headers["RateLimit-Remaining"] for r in answers] == ["3", "2", "1", "0"]
        assert {r.headers["RateLimit-Limit"] for r in answers} == {str(IP_LIMIT)}
        assert answers[0].headers["RateLimit-Policy"] == f'{IP_LIMIT};w=60;name="ip"'
        assert 0 < int(answers[0].headers["RateLimit-Reset"]) <= 60

        refused = http.get("/search", params={"q": "pizza"})
        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["type"].endswith("/rate-limited")
        assert refused.headers["RateLimit-Remaining"] == "0"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60

        # Probes are never limited, so an overloaded API is not also taken out of the load balancer.
        health = http.get("/health")
        assert health.status_code == 200
        assert "RateLimit-Limit" not in health.headers
        assert http.get("/ready").status_code == 200


def test_the_user_limit_is_per_user_and_names_its_policy(limited_url: str, make_user: Callable[..., Any]) -> None:
    first, second = make_user(), make_user()
    with client_from(limited_url, "127.0.0.3") as http:
        ok = [http.get("/users/me", headers=first.headers) for _ in range(USER_LIMIT)]
        assert [r.status_code for r in ok] == [200] * USER_LIMIT
        assert ok[-1].headers["RateLimit-Remaining"] == "0"
        assert (
            ok[-1].headers["RateLimit-Policy"]
            == f'{IP_TOTAL_LIMIT};w=60;name="ip_total", {USER_LIMIT};w=60;name="user"'
        )

        refused = http.get("/users/me", headers=first.headers)
        assert refused.status_code == 429
        assert "per minute for this user" in refused.json()["detail"]
        # Another user behind the same address still has their own allowance.
        assert http.get("/users/me", headers=second.headers).status_code == 200


def test_signed_in_requests_are_not_counted_against_the_anonymous_window(
    limited_url: str, make_user: Callable[..., Any]
) -> None:
    """Customers behind one address (a carrier NAT) each keep their budget after the anonymous one is spent."""
    users = [make_user() for _ in range(3)]
    with client_from(limited_url, "127.0.0.4") as http:
        assert [http.get("/restaurants").status_code for _ in range(IP_LIMIT)] == [200] * IP_LIMIT
        assert http.get("/restaurants").status_code == 429
        answers = [http.get("/users/me", headers=u.headers).status_code for u in users for _ in range(USER_LIMIT - 1)]
        assert answers == [200] * len(users)


def test_the_address_ceiling_stops_a_flood_from_many_accounts(limited_url: str, make_user: Callable[..., Any]) -> None:
    users = [make_user() for _ in range(IP_TOTAL_LIMIT + 1)]
    with client_from(limited_url, "127.0.0.5") as http:
        answers = [http.get("/users/me", headers=u.headers) for u in users]
        assert [r.status_code for r in answers] == [200] * IP_TOTAL_LIMIT + [429]
        assert "per minute for this address" in answers[-1].json()["detail"]
        assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
