"""Processes served for tests: start a command, wait until it answers, stop it and its workers after.

``serve_api`` runs the real app (``api.app:create_app``) under Granian on a free loopback port, so a
request crosses a real socket, middleware and stores. The session's server (``api_url``) has its rate
limits raised so ordinary tests never trip them; ``api_server`` starts another one with other settings,
and ``ws_api_url`` is one with WebSockets on and two workers (a live message must cross processes).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import httpx
import pytest

from pizza.config import PlatformSettings

REPO = Path(__file__).resolve().parents[2]
# A cheap argon2 profile keeps sign-ups fast on a small CI machine; production uses the defaults.
CHEAP_HASHING = {
    "PIZZA_API_PASSWORD_HASH_TIME_COST": "1",
    "PIZZA_API_PASSWORD_HASH_MEMORY_KIB": "8192",
    "PIZZA_API_PASSWORD_HASH_PARALLELISM": "1",
}
UNLIMITED = {
    "PIZZA_API_RATE_LIMIT_PER_MINUTE_IP": "1000000",
    "PIZZA_API_RATE_LIMIT_PER_MINUTE_USER": "1000000",
    "PIZZA_API_PASSWORD_RESETS_PER_HOUR_IP": "1000000",  # every test asks from 127.0.0.1
}
# The session's actors (admin, customers) log in once; their access tokens must outlive the whole run,
# not the production 15 minutes, or every test after the first quarter-hour is refused.
SESSION_LONG_TOKENS = {"PIZZA_API_ACCESS_TOKEN_MINUTES": "1440"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_ready(
    proc: subprocess.Popen[bytes], ready: Callable[[], bool], what: str, log_path: Path, timeout_s: float = 60
) -> None:
    """Poll ``ready`` until it holds; fail with the log's name if the process exits or time runs out."""
    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}; see {log_path}")
        with contextlib.suppress(httpx.HTTPError):
            if ready():
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not become ready in {timeout_s:.0f} s; see {log_path}")
        time.sleep(0.2)


def stop_process(proc: subprocess.Popen[bytes], timeout_s: float = 20) -> int:
    """SIGTERM to the process group (a server's workers go too), SIGKILL if it outstays ``timeout_s``."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode


@contextlib.contextmanager
def serve_process(
    argv: Sequence[str], ready_url: str, log_path: Path, env: Mapping[str, str], timeout_s: float = 60
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``argv`` (its own process group, output appended to ``log_path``) until ``ready_url`` answers 200."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            list(argv), cwd=REPO, env=dict(env), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_until_ready(
            proc, lambda: httpx.get(ready_url, timeout=2).status_code == 200, argv[-1], log_path, timeout_s
        )
        yield proc
    finally:
        stop_process(proc)


def api_environment(metrics_dir: Path, **env: str) -> dict[str, str]:
    """The test environment for a served API: no rate limits, session-long tokens, cheap hashing, its own metrics."""
    metrics_dir.mkdir(parents=True, exist_ok=True)
    for stale in metrics_dir.glob("*.db"):
        stale.unlink()
    return {
        **os.environ,
        **UNLIMITED,
        **SESSION_LONG_TOKENS,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        **CHEAP_HASHING,
        **env,
    }


@contextlib.contextmanager
def serve_api(
    stack: PlatformSettings, name: str, *, workers: int = 1, websockets: bool = False, **env: str
) -> Iterator[str]:
    """Serve ``api.app:create_app`` with Granian and yield its base URL.

    Extra settings are keyword arguments, e.g.
    ``serve_api(stack, "limited", PIZZA_API_RATE_LIMIT_PER_MINUTE_IP="3")``.
    """
    port = free_port()
    argv = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--host", "127.0.0.1"]
    argv += ["--port", str(port), "--workers", str(workers), *([] if websockets else ["--no-ws"])]
    argv += ["api.app:create_app"]
    url = f"http://127.0.0.1:{port}"
    child_env = api_environment(stack.state_dir / f"api-{name}-metrics", **env)
    with serve_process(argv, f"{url}/ready", stack.state_dir / f"api-{name}.log", child_env):
        yield url


@pytest.fixture(scope="session")
def api_url(stack: PlatformSettings) -> Iterator[str]:
    """Base URL of the app served for the whole session."""
    with serve_api(stack, "session") as url:
        yield url


@pytest.fixture(scope="session")
def ws_api_url(stack: PlatformSettings) -> Iterator[str]:
    """The app with WebSockets on and two workers: a socket may land on either worker, so live messages
    must cross processes through Redis to arrive."""
    with serve_api(stack, "ws", workers=2, websockets=True) as url:
        yield url


@pytest.fixture(scope="session")
def api_server(stack: PlatformSettings) -> Callable[..., contextlib.AbstractContextManager[str]]:
    """``with api_server("name", PIZZA_API_X="..") as url:`` another server with other settings."""
    return lambda name, **env: serve_api(stack, name, **env)


@pytest.fixture(scope="session")
def http(api_url: str) -> Iterator[httpx.Client]:
    """An HTTP client bound to the session's server; pass ``headers=user.headers`` to authenticate."""
    with httpx.Client(base_url=api_url, timeout=30) as client:
        yield client
