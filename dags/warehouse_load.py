"""**warehouse_load** (on ``lake_facts``): load changed curated and fact partitions into the warehouse.

Scheduled on the facts asset, so it runs right after a compaction that changed something, never on a
clock. Idempotent per date partition; produces ``warehouse_lake`` for ``marts_build``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import dag, get_current_context, task
from assets import FACTS, WAREHOUSE
from dag_defaults import DEFAULT_ARGS, START


@dag(
    dag_id="warehouse_load",
    schedule=[FACTS],
    start_date=START,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    dagrun_timeout=timedelta(minutes=45),
    tags=["warehouse", "load"],
    doc_md=__doc__,
)
def warehouse_load() -> None:
    @task(outlets=[WAREHOUSE], execution_timeout=timedelta(minutes=30))
    def load_changed_partitions() -> dict[str, Any]:
        from pipelines.orchestration import asset_extra, load_warehouse

        result = load_warehouse()
        get_current_context()["outlet_events"][WAREHOUSE].extra = {**asset_extra("warehouse"), "rows": result["rows"]}
        return result

    load_changed_partitions()


warehouse_load()
