"""The four steps of a refresh: train -> evaluate -> gate -> publish.

Each step takes the run id and reads what the previous one left under the run's folder in the lake
(``runs.RunFiles``), so the DAG can run them as separate tasks (and retry one) and the job can run them
in one process. Nothing is published unless the gate passed; a rejected run leaves the live feed alone.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow.dataset as ds
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from pipelines.io.lakefs import Location, location
from pipelines.recommendations import als, baselines, evaluation, gate, serving, warehouse
from pipelines.recommendations.exports import write_exports
from pipelines.recommendations.feedback import (
    NothingToLearn,
    feedback,
    item_names,
    last_order_at,
    read_interactions,
    relevant_items,
    split_by_time,
)
from pipelines.recommendations.runs import RunFiles, model_version, new_run_id
from pipelines.recommendations.segments import customer_segments
from pipelines.recommendations.settings import RecommendationSettings, get_recommendation_settings
from pipelines.settings import PipelineSettings, get_pipeline_settings
from pipelines.spark import get_spark
from pizza.config import PlatformSettings, get_platform_settings
from pizza.contracts.recommendations import BASELINES, ITEM_TYPES, METRICS
from pizza.logs import get_logger

log = get_logger(__name__)
APP_NAME = "train_recommendations"


@dataclass(frozen=True)
class Context:
    """Everything a step needs, built from settings once; tests pass their own."""

    platform: PlatformSettings
    pipeline: PipelineSettings
    recs: RecommendationSettings

    @classmethod
    def from_env(cls) -> Context:
        return cls(get_platform_settings(), get_pipeline_settings(), get_recommendation_settings())

    @functools.cached_property
    def lake(self) -> Location:
        return location(self.platform.lake, self.pipeline)

    @functools.cached_property
    def input_lake(self) -> Location:
        return location(self.recs.input_lake_url or self.platform.lake, self.pipeline)

    def run(self, run_id: str) -> RunFiles:
        return RunFiles(self.lake, run_id)

    def spark(self) -> SparkSession:
        return get_spark(self.pipeline, APP_NAME)


@contextmanager
def _stage(run_id: str, name: str, **facts: Any) -> Iterator[None]:
    """Progress of a long step: one log line per finished stage, with its duration."""
    started = time.perf_counter()
    yield
    log.info("recs.stage_done", run_id=run_id, stage=name, seconds=round(time.perf_counter() - started, 1), **facts)


def _of_type(df: DataFrame, item_type: str) -> DataFrame:
    return df.where(F.col("item_type") == item_type)


# --- train ------------------------------------------------------------------------------------------


def train(ctx: Context, run_id: str | None = None, *, now: datetime | None = None) -> str:
    """Fit ALS on the history before the hold-out and rank every method's top 10 on it; refit on all of
    it for the feed. Returns the run id."""
    trained_at = now or datetime.now(UTC)
    run_id = run_id or new_run_id(trained_at)
    run, settings, spark = ctx.run(run_id), ctx.recs, ctx.spark()
    version = model_version(run_id)
    log.info("recs.train_started", run_id=run_id, input=ctx.input_lake.url)

    with _stage(run_id, "read"):
        events = read_interactions(spark, ctx.input_lake, settings.excluded_statuses).cache()
        end = last_order_at(events)
        split = split_by_time(events, settings.holdout_days, end)
        train_feedback = feedback(split.train).cache()
        relevant = relevant_items(split, exclude_purchased=settings.exclude_purchased).cache()
        relevant.write.mode("overwrite").parquet(run.spark_uri("relevant"))
        eval_users = relevant.select("user_id", "item_type").distinct().cache()
        seen = train_feedback if settings.exclude_purchased else None
        item_types = [t for t in ITEM_TYPES if not _of_type(train_feedback, t).isEmpty()]

    k = evaluation.K
    with _stage(run_id, "holdout_baselines"):
        pop = baselines.popularity(train_feedback, eval_users, k, seen)
        cooc = baselines.cooccurrence(train_feedback, eval_users, k, settings.cooccurrence_neighbours, seen)
        holdout = [pop.withColumn("method", F.lit("popularity")), cooc.withColumn("method", F.lit("cooccurrence"))]
    for item_type in item_types:
        with _stage(run_id, "holdout_als", item_type=item_type):
            model = als.fit(_of_type(train_feedback, item_type), settings, item_type)
            users = _of_type(eval_users, item_type)
            holdout.append(als.recommend(model, item_type, users, k, seen).withColumn("method", F.lit(gate.ALS)))
    with _stage(run_id, "holdout_write"):
        functools.reduce(DataFrame.unionByName, holdout).write.mode("overwrite").parquet(run.spark_uri("holdout"))

    # the feed: the same hyper-parameters, fitted on everything up to the last order
    full_feedback = feedback(events).cache()
    seen_full = full_feedback if settings.exclude_purchased else None
    feeds = []
    for item_type in item_types:
        with _stage(run_id, "feed_als", item_type=item_type):
            typed = _of_type(full_feedback, item_type)
            model = als.fit(typed, settings, item_type)
            model.write().overwrite().save(run.spark_uri(f"models/{item_type}"))
            feeds.append(als.recommend(model, item_type, typed.select("user_id"), settings.top_n, seen_full))
    if not feeds:
        raise NothingToLearn("no purchases to learn from yet; the published feed is left as it is")
    with _stage(run_id, "feed_write"):
        segments = customer_segments(events, end, settings.segment_by, settings.active_days)
        feed = (
            functools.reduce(DataFrame.unionByName, feeds)
            .join(item_names(events), ["item_type", "item_id"], "left")
            .join(segments, "user_id", "left")
            .select(
                F.col("user_id").alias("customer_id"),
                F.col("rank").cast("int").alias("rank"),
                "item_type",
                "item_id",
                F.coalesce("item_name", "item_id").alias("item_name"),
                "score",
                F.lit(version).alias("model_version"),
                F.lit(trained_at).cast("timestamp").alias("generated_at"),
                F.coalesce("segment", F.lit("unknown")).alias("segment"),
            )
        )
        feed.write.mode("overwrite").parquet(run.spark_uri("recommendations"))
        per_type = _matrix_sizes(full_feedback, train_feedback, eval_users)
    for cached in (events, train_feedback, relevant, eval_users, full_feedback):
        cached.unpersist()

    run.write_json(
        "train.json",
        {
            "run_id": run_id,
            "model_version": version,
            "trained_at": trained_at.isoformat(),
            "data_end": end.isoformat(),
            "holdout_from": split.cutoff.isoformat(),
            "params": settings.model_dump(mode="json"),
            "item_types": {t: per_type[t] for t in item_types},
        },
    )
    log.info("recs.train_done", run_id=run_id, item_types=per_type, holdout_from=split.cutoff.isoformat())
    return run_id


def _matrix_sizes(full: DataFrame, train: DataFrame, eval_users: DataFrame) -> dict[str, dict[str, int]]:
    """Per item type: customers and items of the feed's matrix, the training catalog, evaluated customers."""
    sizes: dict[str, dict[str, int]] = {}
    for row in (
        full.groupBy("item_type")
        .agg(F.countDistinct("user_id").alias("n_users"), F.countDistinct("item_id").alias("n_items"))
        .collect()
    ):
        sizes[row["item_type"]] = {"n_users": row["n_users"], "n_items": row["n_items"]}
    for row in train.groupBy("item_type").agg(F.countDistinct("item_id").alias("n")).collect():
        sizes.setdefault(row["item_type"], {})["catalog_size"] = row["n"]
    for row in eval_users.groupBy("item_type").count().collect():
        sizes.setdefault(row["item_type"], {})["n_eval_users"] = row["count"]
    for counts in sizes.values():
        for key in ("n_users", "n_items", "catalog_size", "n_eval_users"):
            counts.setdefault(key, 0)
    return sizes


# --- evaluate ---------------------------------------------------------------------------------------


def evaluate(ctx: Context, run_id: str) -> dict[str, Any]:
    """Metrics of ALS and the baselines per item type, the gate's verdict, stored in the lake and the
    warehouse (``lake.recommendation_runs``, published = false until the publish step)."""
    run, spark = ctx.run(run_id), ctx.spark()
    trained = run.read_json("train.json")
    per_type: dict[str, dict[str, Any]] = trained["item_types"]
    sizes = {t: int(v["catalog_size"]) for t, v in per_type.items()}
    metrics = evaluation.evaluate_all(
        spark.read.parquet(run.spark_uri("holdout")), spark.read.parquet(run.spark_uri("relevant")), sizes
    )
    by_type: dict[str, dict[str, dict[str, float]]] = {}
    for (method, item_type), values in sorted(metrics.items()):
        by_type.setdefault(item_type, {})[method] = values.as_dict()
        log.info("recs.metrics", run_id=run_id, item_type=item_type, method=method, **values.as_dict())
    decision = gate.decide(
        {t: {m: v["recall_at_10"] for m, v in methods.items()} for t, methods in by_type.items()},
        tuple(per_type),
        ctx.recs.gate_margin,
    )
    evaluated_at = datetime.now(UTC)
    payload = {**trained, "metrics": by_type, "gate": decision.as_dict(), "published": False}
    payload["evaluated_at"] = evaluated_at.isoformat()
    run.write_json("metrics.json", payload)
    warehouse.record_run(ctx.platform.warehouse, run_rows(payload, evaluated_at))
    log.info("recs.gate_verdict", run_id=run_id, passed=decision.passed, reasons=decision.reasons)
    return payload


def run_rows(payload: dict[str, Any], evaluated_at: datetime) -> list[dict[str, Any]]:
    """``lake.recommendation_runs`` rows (one per item type) from a run's metrics document."""
    rows = []
    for item_type, counts in payload["item_types"].items():
        figures = payload["metrics"].get(item_type, {})
        row: dict[str, Any] = {
            "run_id": payload["run_id"],
            "item_type": item_type,
            "model_version": payload["model_version"],
            "trained_at": datetime.fromisoformat(payload["trained_at"]),
            "holdout_from": datetime.fromisoformat(payload["holdout_from"]),
            "n_users": counts["n_users"],
            "n_items": counts["n_items"],
            "n_eval_users": counts["n_eval_users"],
            "gate_passed": payload["gate"]["passed"],
            "published": payload["published"],
            "evaluated_at": evaluated_at,
        }
        for metric in METRICS:
            row[metric] = figures.get(gate.ALS, {}).get(metric)
            for baseline in BASELINES:
                row[f"baseline_{baseline}_{metric}"] = figures.get(baseline, {}).get(metric)
        rows.append(row)
    return rows


# --- gate -------------------------------------------------------------------------------------------


def check_gate(ctx: Context, run_id: str) -> None:
    """Raise ``ModelRejected`` unless the evaluated run beat the baselines."""
    verdict = ctx.run(run_id).read_json("metrics.json")["gate"]
    if not verdict["passed"]:
        raise gate.ModelRejected(f"run {run_id} not published: " + "; ".join(verdict["reasons"]))
    log.info("recs.gate_passed", run_id=run_id, reasons=verdict["reasons"])


# --- publish ----------------------------------------------------------------------------------------


def publish(ctx: Context, run_id: str) -> dict[str, int]:
    """Exports per segment, the serving store, then the warehouse table (which marks the run published)."""
    check_gate(ctx, run_id)  # never publish a rejected run, even when called on its own
    if ctx.pipeline.warehouse_kind != "duckdb":
        # refuse before anything is written rather than leave the warehouse behind the other feeds
        raise NotImplementedError(
            f"the feed can be published to the DuckDB warehouse only, not {ctx.pipeline.warehouse_kind!r} yet"
        )
    run, spark = ctx.run(run_id), ctx.spark()
    payload = run.read_json("metrics.json")
    ctx.lake.delete_dir(run.exports)
    write_exports(spark.read.parquet(run.spark_uri("recommendations")), ctx.lake.spark_uri(run.exports))
    feed = ds.dataset(run.path("recommendations"), filesystem=ctx.lake.fs, format="parquet")
    served = serving.replace_feed(ctx.platform.catalog, feed.to_batches(), run_id, payload["model_version"])
    stored = warehouse.publish_feed(ctx.platform.warehouse, feed, run_id)
    run.write_json("metrics.json", {**payload, "published": True, "published_at": datetime.now(UTC).isoformat()})
    log.info("recs.published", run_id=run_id, served=served, warehouse=stored, exports=ctx.lake.uri(run.exports))
    return {"served": served, "warehouse": stored}


def refresh(ctx: Context, run_id: str | None = None) -> str:
    """All four steps in one process (the job); raises ``ModelRejected`` from the gate."""
    run_id = train(ctx, run_id)
    evaluate(ctx, run_id)
    check_gate(ctx, run_id)
    publish(ctx, run_id)
    return run_id
