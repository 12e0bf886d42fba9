"""**dbt_build** (on ``warehouse_lake``): ``dbt build`` (models and tests) over the freshly loaded warehouse.

The file is not named after the DAG on purpose: dbt imports every top-level module whose name starts with
``dbt_``, and Airflow puts this folder on the import path.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import dag, task
from assets import MARTS, WAREHOUSE
from dag_defaults import DEFAULT_ARGS, START


@dag(
    dag_id="dbt_build",
    schedule=[WAREHOUSE],
    start_date=START,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    dagrun_timeout=timedelta(minutes=45),
    tags=["dbt", "warehouse", "marts"],
    doc_md=__doc__,
)
def dbt_build() -> None:
    @task(outlets=[MARTS], execution_timeout=timedelta(minutes=30))
    def run_dbt_build() -> str:
        from pipelines.orchestration import run_dbt_build

        return run_dbt_build()

    run_dbt_build()


dbt_build()
