"""ALS on a world of two taste groups: it must complete each customer's group, and only for known users."""

from __future__ import annotations

import pytest
from pyspark.sql import DataFrame, SparkSession

from pipelines.recommendations import als
from pipelines.recommendations.settings import AlsParams, RecommendationSettings

pytestmark = pytest.mark.integration

SETTINGS = RecommendationSettings(dish=AlsParams(rank=4, max_iter=10, reg_param=0.01, alpha=10.0), num_blocks=2)
GROUPS = {"a": ["a1", "a2", "a3", "a4", "a5"], "b": ["b1", "b2", "b3", "b4", "b5"]}


def missing_item(group: str, n: int) -> str:
    return GROUPS[group][n % 5]


@pytest.fixture(scope="module")
def feedback(spark: SparkSession) -> DataFrame:
    """Each of 30 customers per group bought four of the group's five dishes (a different one missing)."""
    rows = [
        (f"{g}{n:02d}", item, 1.0 + (n % 3))
        for g, items in GROUPS.items()
        for n in range(30)
        for item in items
        if item != missing_item(g, n)
    ]
    return spark.createDataFrame(rows, "user_id string, item_id string, purchases double")


def test_recommends_the_missing_dish_of_the_customers_group_first(spark: SparkSession, feedback: DataFrame) -> None:
    model = als.fit(feedback, SETTINGS, "dish")
    seen = feedback.selectExpr("user_id", "'dish' AS item_type", "item_id")
    asked = spark.createDataFrame([("a00",), ("a07",), ("b03",), ("stranger",)], "user_id string")
    recs = als.recommend(model, "dish", asked, n=3, seen=seen).orderBy("user_id", "rank").collect()
    by_user: dict[str, list[str]] = {}
    for row in recs:
        assert row.item_type == "dish"
        by_user.setdefault(row.user_id, []).append(row.item_id)
    assert set(by_user) == {"a00", "a07", "b03"}  # an unknown customer gets nothing, not a guess
    assert by_user["a00"][0] == missing_item("a", 0)
    assert by_user["a07"][0] == missing_item("a", 7)
    assert by_user["b03"][0] == missing_item("b", 3)
    assert all(len(items) == 3 for items in by_user.values())
    assert [r.rank for r in recs if r.user_id == "a00"] == list(range(1, len(by_user["a00"]) + 1))


def test_without_exclusion_ranks_cover_n_and_a_refit_ranks_the_same(spark: SparkSession, feedback: DataFrame) -> None:
    asked = spark.createDataFrame([("a01",), ("b02",)], "user_id string")
    first = als.recommend(als.fit(feedback, SETTINGS, "dish"), "dish", asked, n=5).orderBy("user_id", "rank").collect()
    again = als.recommend(als.fit(feedback, SETTINGS, "dish"), "dish", asked, n=5).orderBy("user_id", "rank").collect()
    assert [(r.user_id, r.rank, r.item_id) for r in first] == [(r.user_id, r.rank, r.item_id) for r in again]
    assert [r.rank for r in first if r.user_id == "a01"] == [1, 2, 3, 4, 5]
    top_a01 = {r.item_id for r in first if r.user_id == "a01"}
    assert top_a01 == set(GROUPS["a"])  # its own group fills its top 5
