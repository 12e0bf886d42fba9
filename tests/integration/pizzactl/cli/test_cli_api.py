"""`pizza api`: the real command serves with several Granian workers and /metrics sums them all;
`pizza api create-admin` writes an administrator who can log in."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from support.serving import free_port, serve_process
from typer.testing import CliRunner

from pizza.config import PlatformSettings
from pizzactl.cli.main import app

pytestmark = pytest.mark.integration
REQUESTS = 24
BURSTS = 10


@contextlib.contextmanager
def pizza_api(stack: PlatformSettings, workers: int) -> Iterator[str]:
    """The real ``pizza api`` command (its own metrics folder, as an operator runs it)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env |= {"PIZZA_API_RATE_LIMIT_PER_MINUTE_IP": "100000"}
    argv = [sys.executable, "-m", "pizzactl.cli.main", "api", "--port", str(port), "--workers", str(workers)]
    url = f"http://127.0.0.1:{port}"
    with serve_process(argv, f"{url}/ready", stack.state_dir / "pizza-api-cli.log", env, timeout_s=90):
        yield url


def health_count(metrics: str) -> float:
    pattern = re.compile(r'^pizza_api_requests_total\{[^}]*path="/health"[^}]*\} ([0-9.e+]+)$', re.MULTILINE)
    return sum(float(value) for value in pattern.findall(metrics))


@pytest.mark.slow
def test_metrics_count_the_requests_of_every_worker(stack: PlatformSettings) -> None:
    metrics_dir = stack.state_dir / "api-metrics"

    def probe(_: int) -> int:
        # A new connection per request, many at once, so that both workers accept some of them.
        with httpx.Client(base_url=url) as fresh:
            return fresh.get("/health").status_code

    with pizza_api(stack, workers=2) as url, httpx.Client(base_url=url) as http:
        sent = 0
        with ThreadPoolExecutor(max_workers=8) as pool:
            # Which worker accepts a connection is the kernel's choice: send bursts until both have served.
            for _ in range(BURSTS):
                assert list(pool.map(probe, range(REQUESTS))) == [200] * REQUESTS
                sent += REQUESTS
                if len(list(metrics_dir.glob("counter_*.db"))) == 2:
                    break
        assert len(list(metrics_dir.glob("counter_*.db"))) == 2, "one worker served every request"
        for _ in range(6):  # each scrape may be answered by either worker: both must report the total
            assert health_count(http.get("/metrics").text) == sent


def test_create_admin_makes_an_administrator_who_can_log_in(stack: PlatformSettings) -> None:
    email = f"ops-{uuid.uuid4().hex[:10]}@example.com"
    result = CliRunner().invoke(
        app, ["api", "create-admin", "--email", email, "--name", "Ops"], input="long-enough-password\n" * 2
    )
    assert result.exit_code == 0, result.output
    assert f"administrator {email} created" in result.output
    again = CliRunner().invoke(app, ["api", "create-admin", "--email", email], input="long-enough-password\n" * 2)
    assert again.exit_code == 1
    assert "already exists" in again.output
    weak = CliRunner().invoke(app, ["api", "create-admin", "--email", "x@example.com"], input="short\nshort\n")
    assert weak.exit_code != 0
