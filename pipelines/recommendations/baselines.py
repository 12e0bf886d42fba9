"""Non-personal and lightly personal baselines the ALS model has to beat before it is published.

* popularity: the items bought by the most distinct customers, the same list for everyone;
* co-occurrence: items often bought by the same customers as the customer's own items
  (score = sum over the customer's items of how many customers bought both).
"""

from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from pipelines.recommendations.ranking import candidate_depth, top_n


def popularity(train: DataFrame, users: DataFrame, n: int, seen: DataFrame | None = None) -> DataFrame:
    """Top ``n`` most popular items per item type for each of ``users`` (user_id, item_type)."""
    popular = train.groupBy("item_type", "item_id").agg(F.countDistinct("user_id").cast("double").alias("score"))
    depth = candidate_depth(seen, n)
    by_popularity = Window.partitionBy("item_type").orderBy(F.desc("score"), F.asc("item_id"))
    ranked = popular.withColumn("_pos", F.row_number().over(by_popularity))
    limit = F.lit(n)
    for item_type, d in depth.items():
        limit = F.when(F.col("item_type") == item_type, F.lit(d)).otherwise(limit)
    candidates = ranked.where(F.col("_pos") <= limit).drop("_pos")
    return top_n(users.select("user_id", "item_type").distinct().join(candidates, "item_type"), n, seen)


def cooccurrence(
    train: DataFrame, users: DataFrame, n: int, neighbours: int, seen: DataFrame | None = None
) -> DataFrame:
    """Top ``n`` items per customer by co-purchase counts with their own items (``neighbours`` kept per item)."""
    bought = train.select("user_id", "item_type", "item_id").distinct()
    a, b = bought.alias("a"), bought.alias("b")
    pairs = (
        a.join(b, ["user_id", "item_type"])
        .where(F.col("a.item_id") != F.col("b.item_id"))
        .groupBy("item_type", F.col("a.item_id").alias("src"), F.col("b.item_id").alias("dst"))
        .agg(F.count("*").cast("double").alias("together"))
    )
    closest = Window.partitionBy("item_type", "src").orderBy(F.desc("together"), F.asc("dst"))
    kept = pairs.withColumn("_pos", F.row_number().over(closest)).where(F.col("_pos") <= neighbours).drop("_pos")
    own = bought.join(users.select("user_id", "item_type").distinct(), ["user_id", "item_type"], "left_semi")
    scored = (
        own.join(kept, (own.item_type == kept.item_type) & (own.item_id == kept.src))
        .groupBy(own.user_id, own.item_type, kept.dst.alias("item_id"))
        .agg(F.sum("together").alias("score"))
    )
    return top_n(scored, n, seen)
