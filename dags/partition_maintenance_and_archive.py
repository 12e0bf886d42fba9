"""**partition_maintenance_and_archive** (daily): keep ``orders`` months ahead and move old ones to the archive.

Per shard (dynamic task mapping): pg_partman creates the coming months; months older than
``PIZZA_PIPELINES_ARCHIVE_AFTER_MONTHS`` are exported to Parquet, verified (rows + checksum) and only then detached
and dropped, all in one transaction. Produces ``orders_archive``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import dag, task
from assets import ARCHIVE
from dag_defaults import DEFAULT_ARGS, START


@dag(
    dag_id="partition_maintenance_and_archive",
    schedule="@daily",
    start_date=START,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    dagrun_timeout=timedelta(hours=3),
    tags=["postgres", "partitions", "archive"],
    doc_md=__doc__,
)
def partition_maintenance_and_archive() -> None:
    @task
    def list_shards() -> list[str]:
        from pipelines.orchestration import shard_names

        return shard_names()

    @task(execution_timeout=timedelta(minutes=10))
    def create_partitions_ahead(shard: str) -> dict[str, list[str]]:
        from pipelines.orchestration import create_partitions_ahead

        return create_partitions_ahead(shard)

    @task(outlets=[ARCHIVE], execution_timeout=timedelta(hours=2))
    def archive_old_partitions(shard: str) -> list[dict[str, Any]]:
        from pipelines.orchestration import archive_old_partitions

        return archive_old_partitions(shard)

    shards = list_shards()
    create_partitions_ahead.expand(shard=shards) >> archive_old_partitions.expand(shard=shards)


partition_maintenance_and_archive()
