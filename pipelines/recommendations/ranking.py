"""Turning scores into ranked top-N lists, the one shape every recommender here returns."""

from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from pipelines.recommendations.feedback import KEYS

RANKED_COLUMNS = ["user_id", "item_type", "item_id", "score", "rank"]


def top_n(scored: DataFrame, n: int, seen: DataFrame | None = None) -> DataFrame:
    """(user_id, item_type, item_id, score, rank) with rank 1..n per customer and item type.

    ``seen`` (user_id, item_type, item_id) are removed first. Ties break on ``item_id`` so a rerun ranks
    the same way.
    """
    if seen is not None:
        scored = scored.join(seen.select(*KEYS).distinct(), KEYS, "left_anti")
    order = Window.partitionBy("user_id", "item_type").orderBy(F.desc("score"), F.asc("item_id"))
    return (
        scored.withColumn("rank", F.row_number().over(order))
        .where(F.col("rank") <= n)
        .select("user_id", "item_type", "item_id", F.col("score").cast("double").alias("score"), "rank")
    )


def candidate_depth(seen: DataFrame | None, n: int) -> dict[str, int]:
    """Per item type: how many candidates per customer guarantee ``n`` survive removing what they bought."""
    if seen is None:
        return {}
    rows = seen.groupBy("item_type", "user_id").count().groupBy("item_type").agg(F.max("count")).collect()
    return {row[0]: n + int(row[1]) for row in rows}
