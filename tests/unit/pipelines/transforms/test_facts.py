"""Curated rows -> facts: stage times from the status history, durations in minutes, partitions."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession

from pipelines.transforms.facts import fact_deliveries, fact_orders, fact_payments
from pipelines.transforms.types import spark_schema
from pizza.contracts.curated import (
    FACT_DELIVERIES,
    FACT_ORDERS,
    FACT_PAYMENTS,
    ORDER_ITEMS,
    ORDER_STATUS_HISTORY,
    ORDERS,
    PAYMENTS,
    CuratedTable,
)

pytestmark = pytest.mark.unit

T0 = datetime(2026, 3, 1, 23, 50)


def frame(spark: SparkSession, table: CuratedTable, rows: list[dict[str, Any]]) -> DataFrame:
    full = [{c: row.get(c) for c in table.columns} for row in rows]
    return spark.createDataFrame(full, spark_schema(table.columns))


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def curated(spark: SparkSession) -> dict[str, DataFrame]:
    orders = [
        {
            "order_id": "delivered",
            "user_id": "u",
            "restaurant_id": "r",
            "status": "DELIVERED",
            "currency": "EUR",
            "total_cents": 2000,
            "city": "Berlin",
            "created_at": T0,
            "_shard": "shard_0",
            "date": T0.date(),
        },
        {
            "order_id": "cancelled",
            "user_id": "u",
            "restaurant_id": "r",
            "status": "CANCELLED",
            "currency": "EUR",
            "total_cents": 900,
            "city": "Paris",
            "created_at": at(1),
            "_shard": "shard_0",
            "date": T0.date(),
        },
    ]
    steps = [
        ("PENDING", 0),
        ("PAID", 2),
        ("ACCEPTED", 3),
        ("PREPARING", 5),
        ("READY", 22),
        ("PICKED_UP", 27),
        ("DELIVERED", 45),
    ]
    history = [
        {"order_id": "delivered", "seq": n, "to_status": s, "changed_at": at(m), "date": at(m).date()}
        for n, (s, m) in enumerate(steps, start=1)
    ]
    history += [
        {"order_id": "cancelled", "seq": 1, "to_status": "PENDING", "changed_at": at(1), "date": T0.date()},
        {"order_id": "cancelled", "seq": 2, "to_status": "CANCELLED", "changed_at": at(4), "date": T0.date()},
    ]
    items = [{"order_id": "delivered", "line_no": n, "quantity": q, "date": T0.date()} for n, q in ((1, 2), (2, 1))]
    payments = [
        {
            "payment_id": "p1",
            "order_id": "delivered",
            "amount_cents": 2000,
            "status": "SUCCEEDED",
            "created_at": at(0),
            "updated_at": at(2),
            "_shard": "shard_0",
            "date": T0.date(),
        },
        {
            "payment_id": "p2",
            "order_id": "elsewhere",
            "amount_cents": 5,
            "status": "FAILED",
            "created_at": at(0),
            "updated_at": at(0),
            "_shard": "shard_0",
            "date": T0.date(),
        },
    ]
    return {
        "orders": frame(spark, ORDERS, orders),
        "items": frame(spark, ORDER_ITEMS, items),
        "history": frame(spark, ORDER_STATUS_HISTORY, history),
        "payments": frame(spark, PAYMENTS, payments),
    }


def test_fact_orders_has_stage_times_and_durations_from_the_history(curated: dict[str, DataFrame]) -> None:
    facts = {r["order_id"]: r for r in fact_orders(curated["orders"], curated["items"], curated["history"]).collect()}
    done = facts["delivered"]
    assert (done["paid_at"], done["ready_at"], done["delivered_at"]) == (at(2), at(22), at(45))
    assert done["placed_to_paid_minutes"] == pytest.approx(2.0)
    assert done["paid_to_ready_minutes"] == pytest.approx(20.0)
    assert done["ready_to_picked_up_minutes"] == pytest.approx(5.0)
    assert done["picked_up_to_delivered_minutes"] == pytest.approx(18.0)
    assert done["placed_to_delivered_minutes"] == pytest.approx(45.0)
    assert (done["item_count"], done["line_count"]) == (3, 2)
    assert (done["order_date"], done["date"], done["city"]) == (date(2026, 3, 1), date(2026, 3, 1), "Berlin")
    gone = facts["cancelled"]
    assert gone["cancelled_at"] == at(4)
    assert gone["placed_to_delivered_minutes"] is None
    assert (gone["item_count"], gone["final_status"]) == (0, "CANCELLED")
    assert list(done.asDict()) == list(FACT_ORDERS.columns)


def test_deliveries_are_orders_that_left_the_restaurant(curated: dict[str, DataFrame]) -> None:
    orders = fact_orders(curated["orders"], curated["items"], curated["history"])
    rows = fact_deliveries(orders).collect()
    assert [(r["order_id"], r["is_delivered"], r["ready_to_picked_up_minutes"]) for r in rows] == [
        ("delivered", True, pytest.approx(5.0))
    ]
    assert list(rows[0].asDict()) == list(FACT_DELIVERIES.columns)


def test_payments_take_their_order_city_and_date(curated: dict[str, DataFrame]) -> None:
    rows = fact_payments(curated["payments"], curated["orders"]).collect()
    assert [(r["payment_id"], r["city"], r["date"], r["is_succeeded"]) for r in rows] == [
        ("p1", "Berlin", date(2026, 3, 1), True)
    ]
    assert rows[0]["placed_to_payment_minutes"] == pytest.approx(2.0)
    assert list(rows[0].asDict()) == list(FACT_PAYMENTS.columns)
