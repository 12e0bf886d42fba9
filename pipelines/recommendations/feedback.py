"""Implicit feedback from the curated lake: who bought which dish and from which restaurant, and when.

One long table of interactions serves both item types (``dish`` = a menu item, ``restaurant``), so every
later step is written once and partitions by ``item_type``. Strength = number of distinct orders in which
the customer bought the item (a party order of five pizzas is one purchase, not five).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from pipelines.io.lakefs import Location
from pipelines.transforms.types import spark_schema
from pizza.contracts.curated import ORDER_ITEMS, ORDERS, RESTAURANTS, CuratedTable
from pizza.contracts.lake import CURATED
from pizza.contracts.recommendations import ITEM_TYPES

DISH, RESTAURANT = ITEM_TYPES
KEYS = ["user_id", "item_type", "item_id"]


class NothingToLearn(ValueError):
    """No purchases to train on yet (a new deployment): no model to fit and no feed to change."""


def read_curated(spark: SparkSession, lake: Location, table: CuratedTable) -> DataFrame:
    """A curated table with its contract schema (the ``date`` partition is discovered from the folders)."""
    base = lake.spark_uri(CURATED, table.name)
    return spark.read.schema(spark_schema(table.columns)).option("basePath", base).parquet(base)


def interactions(
    orders: DataFrame, order_items: DataFrame, restaurants: DataFrame, excluded_statuses: Sequence[str]
) -> DataFrame:
    """(user_id, item_type, item_id, item_name, order_id, city, ordered_at) for every order that counts.

    Dishes come from the order lines, restaurants from the order itself (an order whose lines are not in
    the lake yet still tells us the restaurant).
    """
    excluded = [s.upper() for s in excluded_statuses]
    kept = orders.where(~F.upper("status").isin(excluded)).select(
        "order_id", "user_id", "restaurant_id", "city", F.col("created_at").alias("ordered_at")
    )
    names = restaurants.select("restaurant_id", F.col("name").alias("restaurant_name")).dropDuplicates(
        ["restaurant_id"]
    )
    dishes = kept.join(order_items.select("order_id", "menu_item_id", "name"), "order_id").select(
        "user_id",
        F.lit(DISH).alias("item_type"),
        F.col("menu_item_id").alias("item_id"),
        F.col("name").alias("item_name"),
        "order_id",
        "city",
        "ordered_at",
    )
    places = kept.join(names, "restaurant_id", "left").select(
        "user_id",
        F.lit(RESTAURANT).alias("item_type"),
        F.col("restaurant_id").alias("item_id"),
        F.coalesce("restaurant_name", "restaurant_id").alias("item_name"),
        "order_id",
        "city",
        "ordered_at",
    )
    return dishes.unionByName(places)


def read_interactions(spark: SparkSession, lake: Location, excluded_statuses: Sequence[str]) -> DataFrame:
    if not lake.exists(CURATED, ORDERS.name):  # a new deployment: compaction has not written orders yet
        raise NothingToLearn(f"no curated orders under {lake.url}: nothing to learn from")
    return interactions(
        read_curated(spark, lake, ORDERS),
        read_curated(spark, lake, ORDER_ITEMS),
        read_curated(spark, lake, RESTAURANTS),
        excluded_statuses,
    )


def feedback(events: DataFrame) -> DataFrame:
    """(user_id, item_type, item_id, purchases): the implicit rating matrix, both item types."""
    return events.groupBy(*KEYS).agg(F.countDistinct("order_id").cast("double").alias("purchases"))


def item_names(events: DataFrame) -> DataFrame:
    """(item_type, item_id, item_name): the most recent name seen for each item (menus get renamed)."""
    return events.groupBy("item_type", "item_id").agg(F.max_by("item_name", "ordered_at").alias("item_name"))


@dataclass(frozen=True)
class HoldoutSplit:
    """Train on everything before ``cutoff``; judge on what customers bought from ``cutoff`` on."""

    cutoff: datetime
    train: DataFrame
    test: DataFrame


def last_order_at(events: DataFrame) -> datetime:
    """The newest order time, in UTC (read as epoch microseconds: PySpark would give local wall time)."""
    value = events.agg(F.unix_micros(F.max("ordered_at"))).first()
    if value is None or value[0] is None:
        raise NothingToLearn("no orders in the curated lake: nothing to learn from")
    return datetime.fromtimestamp(value[0] / 1_000_000, tz=UTC)


def split_by_time(events: DataFrame, holdout_days: int, end: datetime) -> HoldoutSplit:
    cutoff = end - timedelta(days=holdout_days)
    return HoldoutSplit(
        cutoff=cutoff,
        train=events.where(F.col("ordered_at") < F.lit(cutoff)),
        test=events.where(F.col("ordered_at") >= F.lit(cutoff)),
    )


def relevant_items(split: HoldoutSplit, *, exclude_purchased: bool) -> DataFrame:
    """(user_id, item_type, item_id) a good model should have ranked for each evaluable customer.

    Only customers with history before the cutoff can be evaluated (nothing personal can be said about
    the others). With ``exclude_purchased`` the task is discovery: items bought again do not count.
    """
    test = split.test.select(*KEYS).distinct()
    train = split.train.select(*KEYS).distinct()
    known_users = train.select("user_id", "item_type").distinct()
    test = test.join(known_users, ["user_id", "item_type"], "left_semi")
    if exclude_purchased:
        test = test.join(train, KEYS, "left_anti")
    return test
