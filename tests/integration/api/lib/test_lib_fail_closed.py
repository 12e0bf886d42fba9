"""Limits that fail closed, against a real Redis that dies: with ``PIZZA_API_RATE_LIMITS_FAIL_CLOSED`` a
request the limiter cannot count is refused with a 503 problem document and ``Retry-After``; without it
(the default) it goes through. Both servers use a Redis server of this module's own, killed mid-test and
started again on the same port, so the stack's Redis is never touched."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import redis
from support.api_actors import PASSWORD, unique_email
from support.serving import free_port

pytestmark = pytest.mark.integration
Server = Callable[..., contextlib.AbstractContextManager[str]]


class OwnRedis:
    """A redis-server of the test's own on a fixed port, which the test may kill and start again."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server not installed (make setup)"
        argv = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen([*argv, "--dir", str(self.folder)], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(redis.RedisError):
                if redis.Redis(port=self.port, socket_connect_timeout=0.5).ping():
                    return
            assert time.monotonic() < deadline, "the test's redis-server did not start"
            time.sleep(0.1)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture(scope="module")
def servers(api_server: Server, own_redis: OwnRedis) -> Iterator[tuple[str, str]]:
    """(fail-open URL, fail-closed URL), both counting in ``own_redis``."""
    env = {"PIZZA_REDIS_PORT": str(own_redis.port)}
    with (
        api_server("fail-open", **env) as fail_open,
        api_server("fail-closed", PIZZA_API_RATE_LIMITS_FAIL_CLOSED="true", **env) as fail_closed,
    ):
        yield fail_open, fail_closed


def sign_up(url: str) -> httpx.Response:
    body = {"email": unique_email("limits"), "password": PASSWORD, "name": "Limits Tester"}
    return httpx.post(f"{url}/auth/signup", json=body, timeout=30)


def test_when_redis_dies_a_fail_closed_api_refuses_with_503_and_a_fail_open_one_goes_on(
    servers: tuple[str, str], own_redis: OwnRedis
) -> None:
    fail_open, fail_closed = servers
    assert sign_up(fail_open).status_code == 201
    assert sign_up(fail_closed).status_code == 201

    own_redis.kill()
    refused = sign_up(fail_closed)
    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"].endswith("/unavailable")
    assert int(refused.headers["Retry-After"]) > 0
    login = httpx.post(f"{fail_closed}/auth/token", data={"username": "x@example.com", "password": "x"}, timeout=30)
    assert login.status_code == 503  # refused before any password is hashed
    assert httpx.get(f"{fail_closed}/restaurants", timeout=30).status_code == 503
    assert httpx.get(f"{fail_closed}/health", timeout=30).status_code == 200  # probes are never limited

    assert sign_up(fail_open).status_code == 201  # the default: losing the limiter does not stop sign-ups

    own_redis.start()  # the same port: the clients reconnect by themselves
    deadline = time.monotonic() + 20
    while (answer := sign_up(fail_closed)).status_code == 503:
        assert time.monotonic() < deadline, answer.text
        time.sleep(0.5)
    assert answer.status_code == 201, answer.text
