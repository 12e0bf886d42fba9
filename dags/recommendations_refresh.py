"""Daily refresh of the marketers' recommendation feed: train -> evaluate -> gate -> publish.

Wiring only: every task calls ``pipelines.recommendations.refresh``. The gate task fails at once (no
retry) when ALS does not beat the best baseline on recall@10; publish then never runs and the feed
published by an earlier run stays in the warehouse, the exports and the API's serving store.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task

DEFAULT_ARGS = {
    "owner": "data-platform",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(hours=3),
}


@dag(
    dag_id="recommendations_refresh",
    schedule="@daily",
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["recommendations", "spark", "marketing"],
    doc_md=__doc__,
)
def recommendations_refresh() -> None:
    @task
    def train() -> str:
        from pipelines.recommendations import refresh

        return refresh.train(refresh.Context.from_env())

    @task
    def evaluate(run_id: str) -> str:
        from pipelines.recommendations import refresh

        refresh.evaluate(refresh.Context.from_env(), run_id)
        return run_id

    @task
    def gate(run_id: str) -> str:
        from airflow.sdk.exceptions import AirflowFailException

        from pipelines.recommendations import refresh
        from pipelines.recommendations.gate import ModelRejected

        try:
            refresh.check_gate(refresh.Context.from_env(), run_id)
        except ModelRejected as exc:  # a verdict, not an outage: retrying cannot change it
            raise AirflowFailException(str(exc)) from exc
        return run_id

    @task
    def publish(run_id: str) -> None:
        from pipelines.recommendations import refresh

        refresh.publish(refresh.Context.from_env(), run_id)

    publish(gate(evaluate(train())))


recommendations_refresh()
