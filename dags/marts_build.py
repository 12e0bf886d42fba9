"""**marts_build** (on ``warehouse_lake``): ``dbt build`` (models and tests) over the freshly loaded warehouse,
then the marts snapshot the dashboards read. Produces ``warehouse_marts``.

Named for what it produces: a module of ours named ``dbt_*`` would be imported by dbt itself (it loads every
top-level module with that prefix), and Airflow puts this folder on the import path.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import dag, task
from assets import MARTS, WAREHOUSE
from dag_defaults import DEFAULT_ARGS, START


@dag(
    dag_id="marts_build",
    schedule=[WAREHOUSE],
    start_date=START,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    dagrun_timeout=timedelta(minutes=45),
    tags=["dbt", "warehouse", "marts"],
    doc_md=__doc__,
)
def marts_build() -> None:
    @task(outlets=[MARTS], execution_timeout=timedelta(minutes=30))
    def build_marts() -> dict[str, Any]:
        from pipelines.orchestration import run_marts_build

        return run_marts_build()

    build_marts()


marts_build()
