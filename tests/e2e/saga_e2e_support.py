"""Shared by the e2e conftest and tests: the saga process's deadlines and its handle."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from support.serving import wait_until_ready

REPO = Path(__file__).resolve().parents[2]

# Deadlines short enough for a test, long enough for the happy path on a busy 2-core machine.
PAYMENT_TIMEOUT_S = 4.0
KITCHEN_TIMEOUT_S = 6.0
RIDER_TIMEOUT_S = 3.0
OPS_EMAIL = "ops-e2e@example.com"


@dataclass
class SagaRun:
    """``pizza saga run`` as a child process: its /health + /metrics URL, environment, files, process."""

    url: str
    env: dict[str, str]
    notifications_file: Path
    log_file: Path
    process: subprocess.Popen[bytes] | None = field(default=None)

    def start(self) -> None:
        """Start the process and wait until ``/health`` answers 200."""
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pizzactl.cli.main", "saga", "run"], cwd=REPO, env=self.env, stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        healthy = lambda: httpx.get(f"{self.url}/health", timeout=2).status_code == 200  # noqa: E731
        wait_until_ready(self.process, healthy, "pizza saga run", self.log_file)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no offset commit, no goodbye to the consumer groups."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def stop(self) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.terminate()
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()
