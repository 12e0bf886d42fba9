"""**recommendations_refresh** (daily): train -> evaluate -> gate -> publish the marketers' recommendation feed.

Wiring only: every task calls ``pipelines.recommendations.refresh``. ALS is trained on the curated lake,
scored against popularity and co-occurrence on a time-based hold-out, and published (warehouse table,
marketing exports per segment, the API's serving store) only if it beats the best baseline on recall@10.
The gate task fails at once, without retries, when it does not: publish never runs and the feed of an
earlier run stays live. A lake with no purchases yet (a new deployment) skips the run instead.
Produces ``recommendation_feed``.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Asset, dag, get_current_context, task
from dag_defaults import DEFAULT_ARGS, START

# Logical URI like the shared assets (dags/assets.py): where the warehouse lives is configuration.
FEED = Asset(name="recommendation_feed", uri="x-pizza://warehouse/customer_recommendations", group="warehouse")


@dag(
    dag_id="recommendations_refresh",
    schedule="@daily",
    start_date=START,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    dagrun_timeout=timedelta(hours=4),
    tags=["recommendations", "spark", "marketing"],
    doc_md=__doc__,
)
def recommendations_refresh() -> None:
    @task(execution_timeout=timedelta(hours=2))
    def train() -> str:
        from airflow.sdk.exceptions import AirflowSkipException

        from pipelines.recommendations import refresh
        from pipelines.recommendations.feedback import NothingToLearn

        try:
            return refresh.train(refresh.Context.from_env())
        except NothingToLearn as exc:  # an empty lake is not an outage: skip, do not retry
            raise AirflowSkipException(str(exc)) from exc

    @task(execution_timeout=timedelta(minutes=30))
    def evaluate(recs_run: str) -> str:  # not `run_id`: Airflow reserves that name for its own run
        from pipelines.recommendations import refresh

        refresh.evaluate(refresh.Context.from_env(), recs_run)
        return recs_run

    @task(execution_timeout=timedelta(minutes=5))
    def gate(recs_run: str) -> str:
        from airflow.sdk.exceptions import AirflowFailException

        from pipelines.recommendations import refresh
        from pipelines.recommendations.gate import ModelRejected

        try:
            refresh.check_gate(refresh.Context.from_env(), recs_run)
        except ModelRejected as exc:  # a verdict, not an outage: a retry cannot change it
            raise AirflowFailException(str(exc)) from exc
        return recs_run

    @task(outlets=[FEED], execution_timeout=timedelta(hours=1))
    def publish(recs_run: str) -> dict[str, int]:
        from pipelines.recommendations import refresh

        rows = refresh.publish(refresh.Context.from_env(), recs_run)
        get_current_context()["outlet_events"][FEED].extra = {"recs_run": recs_run, **rows}
        return rows

    publish(gate(evaluate(train())))


recommendations_refresh()
