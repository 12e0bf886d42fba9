"""Implicit feedback from curated orders: what counts as a purchase, and the time-based hold-out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession

from pipelines.io.lakefs import location
from pipelines.recommendations.feedback import (
    NothingToLearn,
    feedback,
    interactions,
    item_names,
    last_order_at,
    read_interactions,
    relevant_items,
    split_by_time,
)
from pipelines.settings import PipelineSettings
from pipelines.transforms.types import spark_schema
from pizza.contracts.curated import ORDER_ITEMS, ORDERS, RESTAURANTS

pytestmark = pytest.mark.integration

Events = Callable[[list[tuple[str, str, str, str, int]]], DataFrame]


def at(day: int) -> datetime:
    return datetime(2025, 6, day, 12, tzinfo=UTC)


def curated(spark: SparkSession, columns: dict[str, str], rows: list[dict[str, object]]) -> DataFrame:
    full = [{name: row.get(name) for name in columns} for row in rows]
    return spark.createDataFrame(full, spark_schema(columns))  # type: ignore[arg-type]


def test_cancelled_orders_do_not_count_and_restaurants_come_from_the_order(spark: SparkSession) -> None:
    orders = curated(
        spark,
        ORDERS.columns,
        [
            {"order_id": "o1", "user_id": "u1", "restaurant_id": "r1", "status": "DELIVERED", "created_at": at(1)},
            {"order_id": "o2", "user_id": "u1", "restaurant_id": "r2", "status": "CANCELLED", "created_at": at(2)},
            {"order_id": "o3", "user_id": "u2", "restaurant_id": "r1", "status": "PAID", "created_at": at(3)},
        ],
    )
    items = curated(
        spark,
        ORDER_ITEMS.columns,
        [
            {"order_id": "o1", "line_no": 1, "menu_item_id": "d1", "name": "Diavola", "quantity": 3},
            {"order_id": "o1", "line_no": 2, "menu_item_id": "d2", "name": "Funghi", "quantity": 1},
            {"order_id": "o2", "line_no": 1, "menu_item_id": "d1", "name": "Diavola", "quantity": 1},
        ],
    )
    restaurants = curated(spark, RESTAURANTS.columns, [{"restaurant_id": "r1", "name": "Da Michele"}])
    rows = interactions(orders, items, restaurants, ["cancelled"]).collect()
    got = sorted((r.user_id, r.item_type, r.item_id, r.item_name, r.order_id) for r in rows)
    assert got == [
        ("u1", "dish", "d1", "Diavola", "o1"),
        ("u1", "dish", "d2", "Funghi", "o1"),
        ("u1", "restaurant", "r1", "Da Michele", "o1"),
        ("u2", "restaurant", "r1", "Da Michele", "o3"),  # no lines in the lake yet: the restaurant still counts
    ]


def test_strength_is_the_number_of_orders_not_the_quantity(events_frame: Events) -> None:
    events = events_frame(
        [
            ("u1", "dish", "d1", "o1", 1),
            ("u1", "dish", "d1", "o1", 1),  # two lines of the same dish in one order
            ("u1", "dish", "d1", "o2", 2),
            ("u2", "dish", "d1", "o3", 2),
        ]
    )
    got = {(r.user_id, r.item_id): r.purchases for r in feedback(events).collect()}
    assert got == {("u1", "d1"): 2.0, ("u2", "d1"): 1.0}


def test_item_names_are_the_latest_seen(spark: SparkSession, events_frame: Events) -> None:
    events = events_frame([("u1", "dish", "d1", "o1", 1)]).unionByName(
        spark.createDataFrame([("u2", "dish", "d1", "Diavola Nuova", "o2", "Naples", at(5))], events_frame([]).schema)
    )
    assert [(r.item_id, r.item_name) for r in item_names(events).collect()] == [("d1", "Diavola Nuova")]


def test_holdout_judges_only_customers_with_history_and_optionally_only_new_items(events_frame: Events) -> None:
    events = events_frame(
        [
            ("u1", "dish", "d1", "o1", 1),
            ("u1", "dish", "d1", "o2", 20),  # bought again in the hold-out
            ("u1", "dish", "d2", "o2", 20),  # new in the hold-out
            ("u2", "dish", "d1", "o3", 21),  # no history before the cut-off: not evaluable
            ("u3", "restaurant", "r1", "o4", 2),
        ]
    )
    end = last_order_at(events)
    assert end == at(21)
    split = split_by_time(events, holdout_days=5, end=end)
    assert split.cutoff == at(21) - timedelta(days=5)
    assert sorted(r.order_id for r in split.train.collect()) == ["o1", "o4"]
    everything = sorted(tuple(r) for r in relevant_items(split, exclude_purchased=False).collect())
    assert everything == [("u1", "dish", "d1"), ("u1", "dish", "d2")]
    discovery = sorted(tuple(r) for r in relevant_items(split, exclude_purchased=True).collect())
    assert discovery == [("u1", "dish", "d2")]


def test_an_empty_lake_is_an_error_not_an_empty_feed(events_frame: Events) -> None:
    with pytest.raises(NothingToLearn, match="no orders"):
        last_order_at(events_frame([]))


def test_a_lake_without_curated_orders_has_nothing_to_learn(spark: SparkSession, tmp_path: Path) -> None:
    """A new deployment: the daily refresh is skipped (the DAG maps this to a skip), not failed and retried."""
    with pytest.raises(NothingToLearn, match="no curated orders"):
        read_interactions(spark, location(str(tmp_path / "lake"), PipelineSettings()), excluded_statuses=())
