"""**cdc_lake_compaction** (hourly): raw CDC files -> curated current-state tables -> daily facts.

Only raw files not seen before are read; only the curated dates and order dates they touch are rewritten.
Produces the ``lake_curated`` and ``lake_facts`` assets; ``warehouse_load`` runs on the second.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import dag, get_current_context, task
from airflow.sdk.exceptions import AirflowSkipException
from assets import CURATED, FACTS
from dag_defaults import DEFAULT_ARGS, START


@dag(
    dag_id="cdc_lake_compaction",
    schedule="@hourly",
    start_date=START,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    dagrun_timeout=timedelta(minutes=55),
    tags=["lake", "spark", "cdc"],
    doc_md=__doc__,
)
def cdc_lake_compaction() -> None:
    @task(outlets=[CURATED], execution_timeout=timedelta(minutes=30))
    def compact_curated_tables() -> dict[str, list[str]]:
        from pipelines.orchestration import asset_extra, compact_curated_tables

        touched = compact_curated_tables()
        get_current_context()["outlet_events"][CURATED].extra = {**asset_extra("curated"), "dates": touched}
        return touched

    @task(outlets=[FACTS], execution_timeout=timedelta(minutes=30))
    def build_daily_facts(touched: dict[str, list[str]]) -> dict[str, Any]:
        if not touched:
            raise AirflowSkipException("no curated partition changed: facts are current")
        from pipelines.orchestration import asset_extra, build_daily_facts

        result = build_daily_facts(touched)
        get_current_context()["outlet_events"][FACTS].extra = {**asset_extra("facts"), "dates": result["dates"]}
        return result

    build_daily_facts(compact_curated_tables())


cdc_lake_compaction()
