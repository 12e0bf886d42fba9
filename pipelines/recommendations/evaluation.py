"""Offline metrics at K on the time-based hold-out, every method and item type in one Spark pass.

Per evaluated customer (one who bought something in the hold-out and has history before it):
precision@K = hits in the top K / K; recall@K = hits / relevant items; NDCG@K with binary relevance
(DCG of the hits over the ideal DCG of min(relevant, K) hits). Each is averaged over the customers, a
customer with no recommendation scoring 0. Coverage = distinct items recommended to the evaluated
customers / items in the training catalog. The definitions are MLlib's ``RankingMetrics`` (an
integration test checks the two agree); computing them grouped avoids one pass per method and type.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

K = 10


@dataclass(frozen=True)
class Metrics:
    precision_at_10: float
    recall_at_10: float
    ndcg_at_10: float
    coverage: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def ideal_dcg(k: int = K) -> list[float]:
    """IDCG for 1..k relevant items (index 0 = one relevant item)."""
    values, total = [], 0.0
    for position in range(1, k + 1):
        total += 1.0 / math.log2(position + 1)
        values.append(total)
    return values


def evaluate_all(
    recommended: DataFrame, relevant: DataFrame, catalog_sizes: dict[str, int], k: int = K
) -> dict[tuple[str, str], Metrics]:
    """(method, item_type) -> metrics.

    ``recommended``: (method, user_id, item_type, item_id, rank); ``relevant``: (user_id, item_type, item_id);
    ``catalog_sizes``: item type -> number of items the methods could recommend (the training catalog).
    """
    if k != K:
        raise ValueError(f"metrics are stored as @{K}")
    top = recommended.where(F.col("rank") <= k)
    users = relevant.groupBy("user_id", "item_type").agg(F.count("*").alias("n_relevant"))
    methods = top.select("method").distinct()
    hits = (
        top.join(relevant, ["user_id", "item_type", "item_id"])
        .groupBy("method", "user_id", "item_type")
        .agg(F.count("*").alias("hits"), F.sum(1.0 / F.log2(F.col("rank") + 1)).alias("dcg"))
    )
    idcg = F.element_at(F.array(*[F.lit(v) for v in ideal_dcg(k)]), F.least(F.col("n_relevant"), F.lit(k)).cast("int"))
    per_user = (
        users.crossJoin(methods)
        .join(hits, ["method", "user_id", "item_type"], "left")
        .fillna({"hits": 0, "dcg": 0.0})
        .select(
            "method",
            "item_type",
            (F.col("hits") / k).alias("precision"),
            (F.col("hits") / F.col("n_relevant")).alias("recall"),
            (F.col("dcg") / idcg).alias("ndcg"),
        )
    )
    averages = per_user.groupBy("method", "item_type").agg(
        F.avg("precision").alias("precision_at_10"),
        F.avg("recall").alias("recall_at_10"),
        F.avg("ndcg").alias("ndcg_at_10"),
    )
    shown = (
        top.join(users.select("user_id", "item_type"), ["user_id", "item_type"], "left_semi")
        .groupBy("method", "item_type")
        .agg(F.countDistinct("item_id").alias("shown"))
    )
    rows = averages.join(shown, ["method", "item_type"], "left").collect()
    return {
        (row["method"], row["item_type"]): Metrics(
            precision_at_10=float(row["precision_at_10"]),
            recall_at_10=float(row["recall_at_10"]),
            ndcg_at_10=float(row["ndcg_at_10"]),
            coverage=_ratio(row["shown"] or 0, catalog_sizes.get(row["item_type"], 0)),
        )
        for row in rows
    }


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0
