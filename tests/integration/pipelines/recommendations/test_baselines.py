"""Popularity and co-occurrence baselines on a matrix small enough to rank by hand."""

from __future__ import annotations

import pytest
from pyspark.sql import DataFrame, SparkSession

from pipelines.recommendations.baselines import cooccurrence, popularity

pytestmark = pytest.mark.integration

BOUGHT = {"u1": "ab", "u2": "abc", "u3": "ac", "u4": "d"}


@pytest.fixture(scope="module")
def train(spark: SparkSession) -> DataFrame:
    rows = [(user, "dish", item, 1.0) for user, items in BOUGHT.items() for item in items]
    rows += [("u1", "restaurant", "r1", 4.0), ("u2", "restaurant", "r1", 1.0), ("u3", "restaurant", "r2", 1.0)]
    return spark.createDataFrame(rows, "user_id string, item_type string, item_id string, purchases double")


def users(spark: SparkSession, *names: str, item_type: str = "dish") -> DataFrame:
    return spark.createDataFrame([(n, item_type) for n in names], "user_id string, item_type string")


def ranked(df: DataFrame) -> dict[str, list[tuple[str, float]]]:
    out: dict[str, list[tuple[str, float]]] = {}
    for row in df.orderBy("user_id", "rank").collect():
        out.setdefault(row.user_id, []).append((row.item_id, row.score))
    return out


def test_popularity_ranks_by_distinct_buyers_the_same_for_everyone(spark: SparkSession, train: DataFrame) -> None:
    got = ranked(popularity(train, users(spark, "u1", "u4"), n=3))
    assert got == {"u1": [("a", 3.0), ("b", 2.0), ("c", 2.0)], "u4": [("a", 3.0), ("b", 2.0), ("c", 2.0)]}


def test_popularity_can_skip_what_the_customer_bought(spark: SparkSession, train: DataFrame) -> None:
    got = ranked(popularity(train, users(spark, "u1", "u4"), n=2, seen=train))
    assert got == {"u1": [("c", 2.0), ("d", 1.0)], "u4": [("a", 3.0), ("b", 2.0)]}


def test_popularity_stays_within_the_item_type(spark: SparkSession, train: DataFrame) -> None:
    got = ranked(popularity(train, users(spark, "u4", item_type="restaurant"), n=5))
    assert got == {"u4": [("r1", 2.0), ("r2", 1.0)]}


def test_cooccurrence_sums_co_buyers_over_the_customers_items(spark: SparkSession, train: DataFrame) -> None:
    # u1 owns a and b: c co-bought with a by 2 customers and with b by 1 -> 3; a and b score 2 each
    got = ranked(cooccurrence(train, users(spark, "u1", "u4"), n=5, neighbours=50))
    assert got == {"u1": [("c", 3.0), ("a", 2.0), ("b", 2.0)]}  # u4's d was never bought with anything


def test_cooccurrence_without_owned_items_and_with_few_neighbours(spark: SparkSession, train: DataFrame) -> None:
    assert ranked(cooccurrence(train, users(spark, "u1"), n=5, neighbours=50, seen=train)) == {"u1": [("c", 3.0)]}
    # one neighbour per item: a keeps b (tie with c broken by id), b keeps a; c is nobody's neighbour of u1
    assert ranked(cooccurrence(train, users(spark, "u1"), n=5, neighbours=1)) == {"u1": [("a", 2.0), ("b", 2.0)]}
