"""Shared by the e2e conftest and tests: the saga process's deadlines and its handle."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

# Deadlines short enough for a test, long enough for the happy path on a busy 2-core machine.
PAYMENT_TIMEOUT_S = 4.0
KITCHEN_TIMEOUT_S = 6.0
RIDER_TIMEOUT_S = 3.0
OPS_EMAIL = "ops-e2e@example.com"


@dataclass(frozen=True)
class SagaRun:
    """``pizza saga run`` running as a child process: its /health + /metrics URL, files and process."""

    url: str
    group_prefix: str
    notifications_file: Path
    log_file: Path
    process: subprocess.Popen[bytes]
