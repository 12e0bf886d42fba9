"""The demo's API client waits as the API tells it to: ``Retry-After`` on 429, backoff otherwise."""

from __future__ import annotations

import httpx
import pytest
from tenacity import RetryCallState, Retrying

from pizzactl.demo.client import ApiError, wait_as_told

pytestmark = pytest.mark.unit


def state_after(exc: BaseException, attempt: int = 1) -> RetryCallState:
    state = RetryCallState(Retrying(), fn=None, args=(), kwargs={})
    state.attempt_number = attempt
    state.set_exception((type(exc), exc, None))
    return state


def refused(status: int, headers: dict[str, str]) -> ApiError:
    request = httpx.Request("POST", "http://api.test/admin/orders/import")
    return ApiError(httpx.Response(status, headers=headers, json={"detail": "slow down"}, request=request))


def test_a_429_is_waited_out_for_the_retry_after_the_api_sent_with_a_little_jitter() -> None:
    waits = [wait_as_told(state_after(refused(429, {"Retry-After": "7"}))) for _ in range(50)]
    assert all(7.0 <= w <= 8.4 for w in waits)
    assert len(set(waits)) > 1  # parallel callers do not come back in lockstep


def test_without_retry_after_the_client_backs_off_exponentially() -> None:
    first = wait_as_told(state_after(refused(503, {}), attempt=1))
    later = wait_as_told(state_after(refused(503, {}), attempt=4))
    assert 0 < first < later <= 5


def test_a_date_in_retry_after_falls_back_to_backoff() -> None:
    error = refused(429, {"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"})
    assert error.retry_after is None
    assert 0 < wait_as_told(state_after(error)) <= 5
