"""Defaults every DAG shares: retries with backoff, per-task execution timeouts, the owner.

Airflow 3 removed SLAs; the time box is ``execution_timeout`` per task and ``dagrun_timeout`` per DAG.
Its replacement, deadline alerts, is left out on purpose: in Airflow 3.3.2 a DAG carrying one fails in
``dag.test()`` when the run completes (the SDK DAG's alert objects are looked up as database ids).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

START = datetime(2026, 1, 1, tzinfo=UTC)

DEFAULT_ARGS: dict[str, Any] = {
    "owner": "data-platform",
    "retries": 2,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=20),
    "execution_timeout": timedelta(minutes=30),
}
