"""Defaults every DAG shares: retries, timeouts, owners and the deadline alert that replaces SLAs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk.definitions.callback import SyncCallback
from airflow.sdk.definitions.deadline import DeadlineAlert, DeadlineReference

START = datetime(2026, 1, 1, tzinfo=UTC)

DEFAULT_ARGS: dict[str, Any] = {
    "owner": "data-platform",
    "retries": 2,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=20),
    "execution_timeout": timedelta(minutes=30),
}


def deadline(minutes: int) -> DeadlineAlert:
    """Alert when a run is still not done ``minutes`` after it was queued (Airflow 3 deadline alerts)."""
    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=timedelta(minutes=minutes),
        callback=SyncCallback("pipelines.orchestration.deadline_missed"),
    )
