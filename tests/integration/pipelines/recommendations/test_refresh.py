"""The whole refresh on a synthetic world: ALS must beat the baselines, every feed is published, and a
worse model is refused while the previous feed stays live."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pyarrow.dataset as ds
import pytest

from pipelines.jobs.train_recommendations import EXIT_REJECTED, main
from pipelines.recommendations import refresh
from pipelines.recommendations.gate import ModelRejected
from pipelines.recommendations.refresh import Context
from pipelines.recommendations.settings import AlsParams, RecommendationSettings, RestaurantAlsParams
from pizza.contracts.recommendations import FEED_COLUMNS, ITEM_TYPES

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(1800)]


@pytest.fixture(scope="module")
def published(recs_context: Context) -> dict[str, Any]:
    """One full run (train, evaluate, gate, publish); its metrics document."""
    run_id = refresh.train(recs_context)
    refresh.evaluate(recs_context, run_id)
    refresh.check_gate(recs_context, run_id)
    refresh.publish(recs_context, run_id)
    return recs_context.run(run_id).read_json("metrics.json")


def warehouse_rows(ctx: Context, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(ctx.platform.warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_als_beats_the_popularity_baseline_on_recall_at_10(published: dict[str, Any]) -> None:
    for item_type in ITEM_TYPES:
        figures = published["metrics"][item_type]
        assert figures["als"]["recall_at_10"] > figures["popularity"]["recall_at_10"], (item_type, figures)
    assert published["gate"]["passed"], published["gate"]
    assert published["published"] is True


def test_metrics_of_the_run_are_stored_in_the_warehouse(
    recs_context: Context, published: dict[str, Any], synthetic_customers: int
) -> None:
    rows = warehouse_rows(
        recs_context,
        "SELECT item_type, n_users, n_eval_users, recall_at_10, baseline_popularity_recall_at_10,"
        " baseline_cooccurrence_ndcg_at_10, gate_passed, published FROM lake.recommendation_runs"
        f" WHERE run_id = '{published['run_id']}' ORDER BY item_type",
    )
    assert [r[0] for r in rows] == ["dish", "restaurant"]
    for item_type, n_users, n_eval, recall, pop_recall, cooc_ndcg, gate_passed, is_published in rows:
        figures = published["metrics"][item_type]
        assert n_users == synthetic_customers
        assert 0 < n_eval < n_users
        assert recall == pytest.approx(figures["als"]["recall_at_10"])
        assert pop_recall == pytest.approx(figures["popularity"]["recall_at_10"])
        assert cooc_ndcg == pytest.approx(figures["cooccurrence"]["ndcg_at_10"])
        assert gate_passed
        assert is_published


def test_warehouse_and_serving_store_hold_the_same_feed(
    recs_context: Context, published: dict[str, Any], synthetic_customers: int
) -> None:
    top_n = recs_context.recs.top_n
    feed = warehouse_rows(
        recs_context,
        "SELECT customer_id, item_type, count(*), min(rank), max(rank), min(model_version), max(model_version)"
        " FROM lake.customer_recommendations GROUP BY 1, 2",
    )
    assert len(feed) == 2 * synthetic_customers
    for _, item_type, count, low, high, v1, v2 in feed:
        assert low == 1
        assert high == count  # ranks 1..count without gaps
        assert count == (top_n if item_type == "dish" else min(top_n, 36))
        assert v1 == v2 == published["model_version"]
    with psycopg.connect(recs_context.platform.catalog) as conn:
        served = conn.execute(
            "SELECT user_id::text, item_type, rank, item_id, item_name, score FROM customer_recommendations"
        ).fetchall()
    in_warehouse = warehouse_rows(
        recs_context,
        "SELECT customer_id, item_type, rank, item_id, item_name, score FROM lake.customer_recommendations",
    )
    assert sorted(served) == sorted(in_warehouse)


def test_exports_hold_the_feed_per_segment_as_parquet_and_csv(recs_context: Context, published: dict[str, Any]) -> None:
    root = Path(recs_context.lake.path("exports/recommendations", f"run={published['run_id']}"))
    segments = sorted(p.name for p in root.iterdir() if p.is_dir())
    assert segments
    assert set(segments) <= {f"segment={s}" for s in ("frequent", "regular", "occasional", "lapsed")}
    total = 0
    for folder in segments:
        parquet = ds.dataset(root / folder, format="parquet", exclude_invalid_files=True).to_table()
        assert parquet.column_names == list(FEED_COLUMNS)
        csv_files = list((root / folder).glob("*.csv"))
        assert csv_files
        with csv_files[0].open() as f:
            assert next(csv.reader(f)) == list(FEED_COLUMNS)
        csv_rows = sum(sum(1 for _ in p.open()) - 1 for p in csv_files)
        assert csv_rows == parquet.num_rows
        total += parquet.num_rows
    assert total == warehouse_rows(recs_context, "SELECT count(*) FROM lake.customer_recommendations")[0][0]


def test_publishing_to_a_warehouse_without_a_feed_writer_fails_before_writing(
    recs_context: Context, published: dict[str, Any]
) -> None:
    elsewhere = Context(
        recs_context.platform,
        recs_context.pipeline.model_copy(update={"warehouse_kind": "bigquery"}),
        recs_context.recs,
    )
    with pytest.raises(NotImplementedError, match="DuckDB warehouse only"):
        refresh.publish(elsewhere, published["run_id"])
    with psycopg.connect(recs_context.platform.catalog) as conn:
        rows = conn.execute("SELECT DISTINCT model_version FROM customer_recommendations").fetchall()
    assert rows == [(published["model_version"],)]


def test_a_model_below_the_bar_is_refused_and_the_previous_feed_stays(
    recs_context: Context, published: dict[str, Any]
) -> None:
    # a cheap model held to a bar no model reaches: ALS recall@10 > best baseline + 0.5
    strict = RecommendationSettings(
        input_lake_url=recs_context.recs.input_lake_url,
        dish=AlsParams(rank=2, max_iter=2),
        restaurant=RestaurantAlsParams(rank=2, max_iter=2),
        gate_margin=0.5,
    )
    ctx = Context(recs_context.platform, recs_context.pipeline, strict)
    run_id = refresh.train(ctx)
    payload = refresh.evaluate(ctx, run_id)
    assert not payload["gate"]["passed"]
    assert any("does not beat" in reason for reason in payload["gate"]["reasons"])
    with pytest.raises(ModelRejected):
        refresh.check_gate(ctx, run_id)
    with pytest.raises(ModelRejected):
        refresh.publish(ctx, run_id)  # even when called directly

    assert main(["--step", "gate", "--run-id", run_id]) == EXIT_REJECTED
    assert main(["--step", "gate", "--run-id", published["run_id"]]) == 0

    live = published["model_version"]
    assert warehouse_rows(recs_context, "SELECT DISTINCT model_version FROM lake.customer_recommendations") == [(live,)]
    with psycopg.connect(recs_context.platform.catalog) as conn:
        assert conn.execute("SELECT DISTINCT model_version FROM customer_recommendations").fetchall() == [(live,)]
    refused = warehouse_rows(
        recs_context, f"SELECT gate_passed, published FROM lake.recommendation_runs WHERE run_id = '{run_id}'"
    )
    assert refused == [(False, False), (False, False)]
    assert not recs_context.lake.exists("exports/recommendations", f"run={run_id}")
