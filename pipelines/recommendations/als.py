"""Spark MLlib ALS on implicit feedback, one model per item type.

Customer and item ids are strings (UUIDs, menu item ids); ALS wants integer indices, so each model is a
``Pipeline`` of two ``StringIndexer``s and the ``ALS`` estimator, saved and loaded as one piece.
"""

from __future__ import annotations

from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.feature import IndexToString, StringIndexer, StringIndexerModel
from pyspark.ml.recommendation import ALS, ALSModel
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from pipelines.recommendations.ranking import candidate_depth, top_n
from pipelines.recommendations.settings import RecommendationSettings


def als_estimator(settings: RecommendationSettings, item_type: str) -> ALS:
    params = settings.als(item_type)
    return ALS(
        userCol="user_idx",
        itemCol="item_idx",
        ratingCol="purchases",
        implicitPrefs=True,
        coldStartStrategy="drop",
        rank=params.rank,
        regParam=params.reg_param,
        alpha=params.alpha,
        maxIter=params.max_iter,
        seed=settings.seed,
        numUserBlocks=settings.num_blocks,
        numItemBlocks=settings.num_blocks,
    )


def fit(feedback: DataFrame, settings: RecommendationSettings, item_type: str) -> PipelineModel:
    """Fit on (user_id, item_id, purchases) of ``item_type`` with that type's hyper-parameters."""
    pipeline = Pipeline(
        stages=[
            StringIndexer(inputCol="user_id", outputCol="user_idx", handleInvalid="skip"),
            StringIndexer(inputCol="item_id", outputCol="item_idx", handleInvalid="skip"),
            als_estimator(settings, item_type),
        ]
    )
    return pipeline.fit(feedback.select("user_id", "item_id", "purchases"))


def recommend(
    model: PipelineModel, item_type: str, users: DataFrame, n: int, seen: DataFrame | None = None
) -> DataFrame:
    """Top ``n`` items of ``item_type`` for each of ``users`` (user_id) the model knows; others get none."""
    user_indexer, item_indexer, als = model.stages
    assert isinstance(user_indexer, StringIndexerModel)
    assert isinstance(item_indexer, StringIndexerModel)
    assert isinstance(als, ALSModel)
    if seen is not None:
        seen = seen.where(F.col("item_type") == item_type)
    depth = min(candidate_depth(seen, n).get(item_type, n), len(item_indexer.labels))
    known = user_indexer.transform(users.select("user_id").distinct())
    raw = als.recommendForUserSubset(known.select(F.col("user_idx").cast("int").alias("user_idx")), depth)
    exploded = raw.select("user_idx", F.explode("recommendations").alias("rec")).select(
        "user_idx", F.col("rec.item_idx").cast("double").alias("item_idx"), F.col("rec.rating").alias("score")
    )
    to_item_id = IndexToString(inputCol="item_idx", outputCol="item_id", labels=item_indexer.labels)
    scored = to_item_id.transform(exploded).join(
        known.select(F.col("user_idx").cast("int").alias("user_idx"), "user_id"), "user_idx"
    )
    return top_n(scored.select("user_id", F.lit(item_type).alias("item_type"), "item_id", "score"), n, seen)
