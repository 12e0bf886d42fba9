from __future__ import annotations

import pytest
from limits import RateLimitItemPerMinute

from api.lib.ratelimit import Policy, Verdict

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
