"""Export segments: activity tiers over a window, or the city of the latest order as a folder-safe slug."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pyspark.sql import SparkSession

from pipelines.recommendations.segments import customer_segments

pytestmark = pytest.mark.integration

END = datetime(2025, 6, 30, tzinfo=UTC)
COLUMNS = "user_id string, item_type string, item_id string, item_name string, order_id string, city string, ordered_at timestamp"  # noqa: E501


def test_activity_tiers_count_distinct_orders_in_the_window(spark: SparkSession) -> None:
    rows = []
    for user, orders in {"freq": 6, "reg": 2, "once": 1}.items():
        for n in range(orders):  # a dish line and the restaurant row per order: still one order
            rows += [
                (user, t, "x", "X", f"{user}-{n}", "Naples", END - timedelta(days=n)) for t in ("dish", "restaurant")
            ]
    rows.append(("gone", "dish", "x", "X", "gone-1", "Naples", END - timedelta(days=200)))
    rows.append(("reg", "dish", "x", "X", "reg-old", "Naples", END - timedelta(days=120)))  # outside the window
    segments = customer_segments(spark.createDataFrame(rows, COLUMNS), END, "activity", active_days=90)
    got = {r.user_id: r.segment for r in segments.collect()}
    assert got == {"freq": "frequent", "reg": "regular", "once": "occasional", "gone": "lapsed"}


def test_city_segment_is_the_latest_city_as_a_slug(spark: SparkSession) -> None:
    rows = [
        ("mover", "dish", "x", "X", "o1", "Naples", END - timedelta(days=3)),
        ("mover", "dish", "x", "X", "o2", " São Paulo ", END - timedelta(days=1)),
        ("nyc", "dish", "x", "X", "o3", "New York", END),
        ("blank", "dish", "x", "X", "o4", "--", END),
    ]
    segments = customer_segments(spark.createDataFrame(rows, COLUMNS), END, "city", active_days=90)
    assert {r.user_id: r.segment for r in segments.collect()} == {
        "mover": "são-paulo",
        "nyc": "new-york",
        "blank": "unknown",
    }
