"""Schemathesis with every check and every phase, anonymously and once per role: 0 failures, on every run.

The run is the ``schemathesis run`` command itself (examples, coverage, fuzzing and stateful phases,
``--checks all``), so what CI runs is what an outsider running the tool sees: no server error, every
status, header and body as documented, nothing the schema forbids accepted, nothing it allows refused.

Budget: ``PIZZA_FUZZ_EXAMPLES`` test cases per operation and phase (default 2, which fits ``make test``;
raise it for a deeper run, e.g. 50), ``PIZZA_FUZZ_PARALLEL`` callers at a time (default 3). The seed is
fixed (``PIZZA_FUZZ_SEED``, default 20261207) and printed with any failure, so a failure replays with the
same seed and budget; another seed explores other inputs. The server is the real app with its rate
limits raised for every role (staff, riders and agents would otherwise spend the run on 429s), and
every caller is a fresh account, so the session's own users are never touched.

Left out, each because it would end the token the run authenticates with: ``Logout`` and
``LogoutEverywhere`` (they revoke it) and ``ControlAccount`` (an admin changing their own role ends
their own tokens). The authorization matrix calls all three.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from support.serving import serve_api

from pizza.config import PlatformSettings

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SEED = int(os.environ.get("PIZZA_FUZZ_SEED", "20261207"))
MAX_EXAMPLES = int(os.environ.get("PIZZA_FUZZ_EXAMPLES", "2"))
PARALLEL = int(os.environ.get("PIZZA_FUZZ_PARALLEL", "3"))
CONFIG = Path(__file__).with_name("schemathesis.toml")
CALLERS = ("anonymous", "customer", "restaurant_staff", "rider", "agent", "admin")
EXCLUDED = ("Logout", "LogoutEverywhere", "ControlAccount")
NO_LIMITS = {
    f"PIZZA_API_RATE_LIMIT_PER_MINUTE_{who}": "1000000" for who in ("IP", "IP_TOTAL", "USER", "STAFF", "ADMIN")
}


def schemathesis_argv(api_url: str, token: str | None, report: Path) -> list[str]:
    argv = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run"]
    argv += [f"{api_url}/schema/openapi.json"]
    argv += ["--checks", "all", "--phases", "examples,coverage,fuzzing,stateful"]
    argv += ["--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED), "--generation-database", "none"]
    for operation in EXCLUDED:
        argv += ["--exclude-operation-id", operation]
    argv += ["--workers", "1", "--request-timeout", "30"]
    argv += ["--continue-on-failure", "--no-color", "--wait-for-schema", "30"]
    argv += ["--report", "junit", "--report-junit-path", str(report)]
    if token:
        argv += ["--header", f"Authorization: Bearer {token}"]
    return argv


@pytest.fixture(scope="module")
def fuzz_url(stack: PlatformSettings) -> Iterator[str]:
    """The app with no rate limit for any role, two workers (the callers run side by side)."""
    with serve_api(stack, "fuzz", workers=2, **NO_LIMITS) as url:
        yield url


@pytest.fixture(scope="module")
def runs(
    fuzz_url: str,
    make_user: Callable[..., Any],
    make_restaurant: Callable[..., Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every caller's run, ``PARALLEL`` at a time; each test below reads its own."""
    tokens: dict[str, str | None] = {"anonymous": None}
    for caller in CALLERS[1:]:
        user = make_restaurant().staff if caller == "restaurant_staff" else make_user(caller)
        tokens[caller] = user.access_token
    folder = tmp_path_factory.mktemp("fuzz")

    def run(caller: str) -> subprocess.CompletedProcess[str]:
        argv = schemathesis_argv(fuzz_url, tokens[caller], folder / f"{caller}.xml")
        return subprocess.run(argv, capture_output=True, text=True, timeout=900, check=False)

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return dict(zip(CALLERS, pool.map(run, CALLERS), strict=True))


@pytest.mark.parametrize("caller", CALLERS)
def test_schemathesis_finds_nothing(caller: str, runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    run = runs[caller]
    replay = f"PIZZA_FUZZ_SEED={SEED} PIZZA_FUZZ_EXAMPLES={MAX_EXAMPLES}"
    assert run.returncode == 0, f"schemathesis as {caller} (replay with {replay}):\n{run.stdout}\n{run.stderr}"
