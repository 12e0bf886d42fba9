"""Curated tables -> daily facts: one row per order, per payment, per delivery, with stage durations.

Stage times are the FIRST time an order reached each status in ``order_status_history``; a duration is
null when either end is missing (an order cancelled before pickup has no delivery time, not zero).
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from pizza.contracts.curated import FACT_DELIVERIES, FACT_ORDERS, FACT_PAYMENTS, PARTITION_DATE

STATUS_TIMES = {
    "PAID": "paid_at",
    "ACCEPTED": "accepted_at",
    "READY": "ready_at",
    "PICKED_UP": "picked_up_at",
    "DELIVERED": "delivered_at",
    "CANCELLED": "cancelled_at",
}
UNKNOWN_CITY = "unknown"


def minutes_between(start: str, end: str) -> Column:
    return (F.unix_micros(F.col(end)) - F.unix_micros(F.col(start))) / F.lit(60_000_000.0)


def status_times(history: DataFrame) -> DataFrame:
    """order_id -> first time it reached each status (one column per status)."""
    firsts = [
        F.min(F.when(F.col("to_status") == status, F.col("changed_at"))).alias(column)
        for status, column in STATUS_TIMES.items()
    ]
    return history.groupBy("order_id").agg(*firsts)


def item_counts(items: DataFrame) -> DataFrame:
    return items.groupBy("order_id").agg(
        F.sum("quantity").cast("bigint").alias("item_count"), F.count(F.lit(1)).alias("line_count")
    )


def fact_orders(orders: DataFrame, items: DataFrame, history: DataFrame) -> DataFrame:
    """One row per order with its stage times and durations, partitioned by the order's date and city."""
    joined = (
        orders.join(status_times(history), "order_id", "left")
        .join(item_counts(items), "order_id", "left")
        .withColumn("placed_at", F.col("created_at"))
        .withColumn("final_status", F.col("status"))
        .withColumn("item_count", F.coalesce(F.col("item_count"), F.lit(0).cast("bigint")))
        .withColumn("line_count", F.coalesce(F.col("line_count"), F.lit(0).cast("bigint")))
        .withColumn("placed_to_paid_minutes", minutes_between("placed_at", "paid_at"))
        .withColumn("paid_to_ready_minutes", minutes_between("paid_at", "ready_at"))
        .withColumn("ready_to_picked_up_minutes", minutes_between("ready_at", "picked_up_at"))
        .withColumn("picked_up_to_delivered_minutes", minutes_between("picked_up_at", "delivered_at"))
        .withColumn("placed_to_delivered_minutes", minutes_between("placed_at", "delivered_at"))
        .withColumn("order_date", F.to_date("created_at"))
        .withColumn(PARTITION_DATE, F.col("order_date"))
        .withColumn("city", F.coalesce(F.col("city"), F.lit(UNKNOWN_CITY)))
    )
    return joined.select(*FACT_ORDERS.columns)


def fact_payments(payments: DataFrame, orders: DataFrame) -> DataFrame:
    """Payments of the given orders, partitioned like their order (so an order date rebuild covers them)."""
    order_side = orders.select(
        "order_id",
        F.coalesce(F.col("city"), F.lit(UNKNOWN_CITY)).alias("city"),
        F.col("created_at").alias("order_placed_at"),
        F.col(PARTITION_DATE),
    )
    joined = (
        payments.drop(PARTITION_DATE, "city")
        .join(order_side, "order_id", "inner")
        .withColumn("is_succeeded", F.col("status") == F.lit("SUCCEEDED"))
        .withColumn("placed_to_payment_minutes", minutes_between("order_placed_at", "updated_at"))
        .withColumn("payment_date", F.to_date("created_at"))
    )
    return joined.select(*FACT_PAYMENTS.columns)


def fact_deliveries(orders_fact: DataFrame) -> DataFrame:
    """Orders that left the restaurant (picked up or delivered)."""
    left = orders_fact.where(F.col("picked_up_at").isNotNull() | F.col("delivered_at").isNotNull())
    return left.withColumn("is_delivered", F.col("delivered_at").isNotNull()).select(*FACT_DELIVERIES.columns)
