"""**data_retention** (daily): trim the bookkeeping tables every order writes to, so none grows forever.

Per database (dynamic task mapping over the catalog and each shard): expired idempotency keys (24 h),
published outbox rows, message-log entries older than any redelivery, expired refresh tokens. The rules
and their reasons are in ``pipelines.jobs.retention``; each table is trimmed in small transactions.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import dag, task
from dag_defaults import DEFAULT_ARGS, START


@dag(
    dag_id="data_retention",
    schedule="@daily",
    start_date=START,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    dagrun_timeout=timedelta(hours=1),
    tags=["postgres", "retention"],
    doc_md=__doc__,
)
def data_retention() -> None:
    @task
    def list_databases() -> list[str]:
        from pipelines.orchestration import retention_databases

        return retention_databases()

    @task(execution_timeout=timedelta(minutes=30))
    def purge_expired(database: str) -> list[dict[str, Any]]:
        from pipelines.orchestration import purge_expired

        return purge_expired(database)

    purge_expired.expand(database=list_databases())


data_retention()
