"""Hold-out metrics: hand-computed figures, and agreement with MLlib's RankingEvaluator."""

from __future__ import annotations

import math
import random

import pytest
from pyspark.ml.evaluation import RankingEvaluator
from pyspark.ml.feature import StringIndexer
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from pipelines.recommendations.evaluation import evaluate_all

pytestmark = pytest.mark.integration

RECS = "method string, user_id string, item_type string, item_id string, rank int"
RELEVANT = "user_id string, item_type string, item_id string"


def test_hand_computed_metrics_and_customers_without_recommendations_score_zero(spark: SparkSession) -> None:
    recs = spark.createDataFrame(
        [("als", "u1", "dish", "x", 1), ("als", "u1", "dish", "z", 2), ("als", "u1", "dish", "y", 3)], RECS
    )
    relevant = spark.createDataFrame([("u1", "dish", "x"), ("u1", "dish", "y"), ("u2", "dish", "x")], RELEVANT)
    m = evaluate_all(recs, relevant, {"dish": 6})[("als", "dish")]
    ndcg_u1 = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert m.precision_at_10 == pytest.approx((2 / 10 + 0) / 2)
    assert m.recall_at_10 == pytest.approx((1.0 + 0) / 2)
    assert m.ndcg_at_10 == pytest.approx((ndcg_u1 + 0) / 2)
    assert m.coverage == pytest.approx(3 / 6)


def test_recommendations_below_rank_10_and_for_unevaluated_customers_do_not_count(spark: SparkSession) -> None:
    recs = [("pop", "u1", "dish", f"i{r}", r) for r in range(1, 13)] + [("pop", "u9", "dish", "other", 1)]
    relevant = spark.createDataFrame([("u1", "dish", "i11")], RELEVANT)
    m = evaluate_all(spark.createDataFrame(recs, RECS), relevant, {"dish": 20})[("pop", "dish")]
    assert (m.precision_at_10, m.recall_at_10, m.ndcg_at_10) == (0.0, 0.0, 0.0)
    assert m.coverage == pytest.approx(10 / 20)


def mllib(recs: DataFrame, relevant: DataFrame, metric: str) -> float:
    items = recs.select("item_id").unionByName(relevant.select("item_id")).distinct()
    indexer = StringIndexer(inputCol="item_id", outputCol="idx").fit(items)
    ordered = F.transform(F.array_sort(F.collect_list(F.struct("rank", "idx"))), lambda s: s["idx"])
    predictions = indexer.transform(recs).groupBy("user_id").agg(ordered.alias("prediction"))
    labels = indexer.transform(relevant).groupBy("user_id").agg(F.collect_set("idx").alias("label"))
    frame = labels.join(predictions, "user_id", "left").select(
        "label", F.coalesce("prediction", F.array().cast("array<double>")).alias("prediction")
    )
    return float(RankingEvaluator(metricName=metric, k=10).evaluate(frame))  # type: ignore[arg-type]


def test_agrees_with_mllib_ranking_metrics_on_random_lists(spark: SparkSession) -> None:
    rng = random.Random(5)
    items = [f"i{n}" for n in range(30)]
    recs, relevant = [], []
    for u in range(40):
        if u % 7:  # some evaluated customers get no recommendation at all
            recs += [("als", f"u{u}", "dish", item, r) for r, item in enumerate(rng.sample(items, 12), start=1)]
        relevant += [(f"u{u}", "dish", item) for item in rng.sample(items, rng.randint(1, 15))]
    recs_df, relevant_df = spark.createDataFrame(recs, RECS), spark.createDataFrame(relevant, RELEVANT)
    ours = evaluate_all(recs_df, relevant_df, {"dish": 30})[("als", "dish")]
    top10 = recs_df.where("rank <= 10")
    assert ours.precision_at_10 == pytest.approx(mllib(top10, relevant_df, "precisionAtK"))
    assert ours.recall_at_10 == pytest.approx(mllib(top10, relevant_df, "recallAtK"))
    assert ours.ndcg_at_10 == pytest.approx(mllib(top10, relevant_df, "ndcgAtK"))
