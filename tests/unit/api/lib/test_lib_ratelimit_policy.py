from __future__ import annotations

import uuid

import pytest
from limits import RateLimitItemPerMinute

from api.lib.ratelimit import Policy, RateLimiter, Verdict
from api.settings import ApiSettings

pytestmark = pytest.mark.unit
IP = Policy("ip", RateLimitItemPerMinute(600))
USER = Policy("user", RateLimitItemPerMinute(300))


def test_allowed_requests_carry_the_tightest_policy_and_all_policies() -> None:
    headers = Verdict(allowed=True, policy=USER, remaining=12, reset_seconds=30, policies=(IP, USER)).headers()
    assert headers == {
        "RateLimit-Limit": "300",
        "RateLimit-Remaining": "12",
        "RateLimit-Reset": "30",
        "RateLimit-Policy": '600;w=60;name="ip", 300;w=60;name="user"',
    }


def test_refused_requests_say_when_to_retry_never_zero_seconds() -> None:
    assert Verdict(False, IP, 0, 17, (IP,)).headers()["Retry-After"] == "17"
    assert Verdict(False, IP, 0, 0, (IP,)).headers()["Retry-After"] == "1"


def test_anonymous_requests_count_by_address_and_signed_in_ones_by_user_and_role() -> None:
    limiter = RateLimiter("redis://127.0.0.1:1/0", ApiSettings().rate_limit_budgets())  # no I/O until a hit
    user = uuid.UUID(int=7)
    assert [(p.name, p.item.amount, who) for p, who in limiter.policies_for("10.0.0.1", None, None)] == [
        ("ip", 600, "10.0.0.1")
    ]
    by_role = {
        role: [(p.name, p.item.amount) for p, _ in limiter.policies_for("10.0.0.1", user, role)]
        for role in ("customer", "restaurant_staff", "rider", "agent", "admin")
    }
    assert by_role == {
        "customer": [("ip_total", 6000), ("user", 300)],
        "restaurant_staff": [("ip_total", 6000), ("user", 1200)],
        "rider": [("ip_total", 6000), ("user", 1200)],
        "agent": [("ip_total", 6000), ("user", 1200)],
        "admin": [("ip_total", 6000), ("user", 3000)],
    }


def test_every_role_has_a_budget() -> None:
    from api.lib.auth import ROLES

    assert set(ApiSettings().rate_limit_budgets().user_by_role) == set(ROLES)
