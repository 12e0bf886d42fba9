"""Simple customer segments for the marketing exports, computable from the lake alone.

The RFM segment of the dbt marts lives in the warehouse, downstream of this job, so Spark cannot use
it; marketers get either an activity tier (orders in the last ``active_days`` before the data's end) or
the customer's city (of their latest order). Segment values are safe as folder names.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from pipelines.recommendations.settings import SegmentBy

# (lowest order count in the window, tier), checked from the top
ACTIVITY_TIERS: tuple[tuple[int, str], ...] = ((6, "frequent"), (2, "regular"), (1, "occasional"), (0, "lapsed"))


def activity_tier(orders_in_window: Column) -> Column:
    tier = F.lit(ACTIVITY_TIERS[-1][1])
    for threshold, name in reversed(ACTIVITY_TIERS[:-1]):
        tier = F.when(orders_in_window >= threshold, F.lit(name)).otherwise(tier)
    return tier


def slug(value: Column) -> Column:
    """Lower case, runs of anything but letters and digits -> ``-`` (``São Paulo`` -> ``são-paulo``)."""
    return F.regexp_replace(F.regexp_replace(F.lower(F.trim(value)), r"[^\p{L}\p{N}]+", "-"), "^-+|-+$", "")


def customer_segments(events: DataFrame, end: datetime, segment_by: SegmentBy, active_days: int) -> DataFrame:
    """(user_id, segment) for every customer in ``events`` (the interactions of ``feedback.interactions``)."""
    if segment_by == "city":
        latest = events.groupBy("user_id").agg(F.max_by("city", "ordered_at").alias("city"))
        return latest.select(
            "user_id", F.coalesce(F.nullif(slug(F.col("city")), F.lit("")), F.lit("unknown")).alias("segment")
        )
    since = end - timedelta(days=active_days)
    recent = F.when(F.col("ordered_at") >= F.lit(since), F.col("order_id"))
    counts = events.groupBy("user_id").agg(F.countDistinct(recent).alias("recent_orders"))
    return counts.select("user_id", activity_tier(F.col("recent_orders")).alias("segment"))
