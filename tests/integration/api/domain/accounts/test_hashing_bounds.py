"""The cost of password hashing bounded against anonymous floods, over real HTTP: at most
``PIZZA_API_PASSWORD_HASH_SLOTS`` hashes run and ``PIZZA_API_PASSWORD_HASH_QUEUE`` wait per process, a
request beyond that is refused at once with 503 and ``Retry-After`` (never queued without bound), and
each address has an hourly sign-up budget spent before anything is hashed. Figures (memory, latency
with and without the bound) come from ``bench/password_hashing.py``; nothing here asserts a time."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest
import redis
from support.api_actors import PASSWORD, unique_email

from pizza.config import PlatformSettings

pytestmark = pytest.mark.integration
Server = Callable[..., contextlib.AbstractContextManager[str]]
FLOOD = 12


def sign_up(http: httpx.Client) -> httpx.Response:
    body = {"email": unique_email("flood"), "password": PASSWORD, "name": "Flood"}
    return http.post("/auth/signup", json=body)


@pytest.fixture(scope="module")
def narrow_url(api_server: Server) -> Iterator[str]:
    """One hashing slot, one place in the queue, and a hash that takes a while (64 MiB, 4 passes)."""
    env = {
        "PIZZA_API_PASSWORD_HASH_SLOTS": "1",
        "PIZZA_API_PASSWORD_HASH_QUEUE": "1",
        "PIZZA_API_PASSWORD_HASH_TIME_COST": "4",
        "PIZZA_API_PASSWORD_HASH_MEMORY_KIB": "65536",
    }
    with api_server("narrow-hashing", **env) as url:
        yield url


def test_a_flood_of_sign_ups_beyond_the_hashing_slots_and_queue_is_refused_at_once(narrow_url: str) -> None:
    start = threading.Barrier(FLOOD)
    answers: list[httpx.Response] = []

    def one() -> None:
        with httpx.Client(base_url=narrow_url, timeout=60) as http:
            start.wait()
            answers.append(sign_up(http))

    threads = [threading.Thread(target=one) for _ in range(FLOOD)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(a.status_code for a in answers)
    assert set(codes) <= {201, 503}, codes
    assert codes.count(201) >= 2  # the slot and the queue place were served
    assert codes.count(503) >= 1, codes  # the rest were not left waiting in line
    for refused in (a for a in answers if a.status_code == 503):
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["type"].endswith("/unavailable")
        assert refused.headers["Retry-After"] == "1"
    with httpx.Client(base_url=narrow_url, timeout=60) as http:
        assert sign_up(http).status_code == 201  # once the flood is over, sign-ups go on


@pytest.fixture(scope="module")
def budgeted_url(api_server: Server, stack: PlatformSettings) -> Iterator[str]:
    client = redis.Redis.from_url(stack.redis)
    for key in client.scan_iter("pizza:ratelimit*signups-ip*"):  # a re-run within the hour starts from zero
        client.delete(key)
    client.close()
    with api_server("signup-budget", PIZZA_API_SIGNUPS_PER_HOUR_IP="2") as url:
        yield url


def test_each_address_has_an_hourly_sign_up_budget(budgeted_url: str) -> None:
    with httpx.Client(base_url=budgeted_url, transport=httpx.HTTPTransport(local_address="127.0.0.12")) as http:
        answers = [sign_up(http) for _ in range(3)]
        assert [a.status_code for a in answers] == [201, 201, 429]
        assert int(answers[-1].headers["Retry-After"]) > 0
        assert "sign-ups" in answers[-1].json()["detail"]
    with httpx.Client(base_url=budgeted_url, transport=httpx.HTTPTransport(local_address="127.0.0.13")) as other:
        assert sign_up(other).status_code == 201  # another address has its own budget
