"""Raw CDC rows -> typed current state: parsing, hashing, ordering by lsn, deletes, merging with state."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession

from pipelines.transforms.cdc import add_partition_date, as_state, current_state, latest_per_key, parse_changes
from pipelines.transforms.types import RAW_CDC_SPARK_SCHEMA
from pizza.contracts.curated import ORDERS, PAYMENTS, USERS

pytestmark = pytest.mark.unit

ORDER_A, ORDER_B = "018f0000-0000-7000-8000-00000000000a", "018f0000-0000-7000-8000-00000000000b"
CREATED = "2026-03-01 23:59:59.5+00"


def order(order_id: str, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "user_id": "u1",
        "restaurant_id": "r1",
        "status": status,
        "currency": "EUR",
        "subtotal_cents": 1000,
        "discount_cents": 0,
        "delivery_fee_cents": 299,
        "total_cents": 1299,
        "city": "Berlin",
        "delivery_address": {"line1": "Main 1"},
        "created_at": CREATED,
        "updated_at": CREATED,
        **extra,
    }


def raw(spark: SparkSession, rows: list[tuple[str, str, int, dict[str, Any], dict[str, Any] | None, int]]) -> DataFrame:
    """(op, table, lsn, pk, after, kafka_offset) -> raw CDC rows as the lake sink writes them."""
    commit = datetime(2026, 3, 2, 0, 0, 1, tzinfo=UTC)
    return spark.createDataFrame(
        [
            (
                op,
                table,
                "shard_1",
                lsn,
                None,
                commit,
                json.dumps(pk),
                None,
                json.dumps(after) if after else None,
                1,
                f"cdc.{table}",
                0,
                offset,
            )
            for op, table, lsn, pk, after, offset in rows
        ],
        RAW_CDC_SPARK_SCHEMA,
    )


def key(order_id: str) -> dict[str, str]:
    return {"order_id": order_id, "created_at": CREATED}


def test_parse_types_every_column_by_the_contract(spark: SparkSession) -> None:
    row = parse_changes(raw(spark, [("c", "orders", 10, key(ORDER_A), order(ORDER_A, "PENDING"), 0)]), ORDERS).first()
    assert row is not None
    assert row["created_at"] == datetime(2026, 3, 1, 23, 59, 59, 500000)  # session time zone is UTC
    assert row["total_cents"] == 1299
    assert "delivery_address" not in row.asDict()  # contact data: sealed by the relay, never curated
    assert (row["_shard"], row["_lsn"], row["_op"]) == ("shard_1", 10, "c")
    assert row["delivery_lat"] is None


def test_users_keep_the_pseudonyms_the_relay_added_and_no_sealed_contact_column(spark: SparkSession) -> None:
    sealed = {
        "user_id": "u1",
        "email": "enc:v1:AAAA",
        "email_hmac": "e" * 64,
        "phone": "enc:v1:BBBB",
        "phone_hmac": None,  # an erased user's pseudonyms are null, and stay null
        "name": "enc:v1:CCCC",
        "role": "customer",
        "created_at": CREATED,
        "updated_at": CREATED,
    }
    row = parse_changes(raw(spark, [("c", "users", 5, {"user_id": "u1"}, sealed, 0)]), USERS, b"k" * 32).first()
    assert row is not None
    assert (row["email_hmac"], row["phone_hmac"]) == ("e" * 64, None)
    assert not {"email", "phone", "name"} & set(row.asDict())


def test_users_lose_the_password_and_keep_only_keyed_pseudonyms_of_email_and_phone(spark: SparkSession) -> None:
    user = {
        "user_id": "u1",
        "email": " Ann@Example.COM",
        "phone": "+4915",
        "password_hash": "secret",
        "name": "Ann",
        "role": "customer",
        "loyalty_points": 3,
        "created_at": CREATED,
        "updated_at": CREATED,
    }
    key = b"k" * 32
    row = parse_changes(raw(spark, [("c", "users", 5, {"user_id": "u1"}, user, 0)]), USERS, key).first()
    assert row is not None
    assert "password_hash" not in row.asDict()
    assert "email" not in row.asDict()
    assert row["email_hmac"] == hmac.new(key, b"ann@example.com", hashlib.sha256).hexdigest()
    assert row["phone_hmac"] == hmac.new(key, b"+4915", hashlib.sha256).hexdigest()
    assert row["phone_hmac"] != hashlib.sha256(b"+4915").hexdigest()  # not recomputable without the key


def test_latest_change_by_lsn_wins_and_deletes_remove_the_key(spark: SparkSession) -> None:
    changes = raw(
        spark,
        [
            ("c", "orders", 10, key(ORDER_A), order(ORDER_A, "PENDING"), 0),
            ("u", "orders", 30, key(ORDER_A), order(ORDER_A, "DELIVERED"), 1),
            ("u", "orders", 20, key(ORDER_A), order(ORDER_A, "PAID"), 2),  # arrives late, older lsn
            ("u", "orders", 30, key(ORDER_A), order(ORDER_A, "DELIVERED"), 9),  # replayed duplicate
            ("c", "orders", 11, key(ORDER_B), order(ORDER_B, "PENDING"), 3),
            ("d", "orders", 40, key(ORDER_B), None, 4),
        ],
    )
    parsed = add_partition_date(parse_changes(changes, ORDERS), ORDERS)
    out = current_state(latest_per_key(parsed, ORDERS), ORDERS).collect()
    assert [(r["order_id"], r["status"], r["_lsn"], r["date"]) for r in out] == [
        (ORDER_A, "DELIVERED", 30, date(2026, 3, 1))  # business date, not the commit date (Mar 2)
    ]
    assert list(out[0].asDict()) == list(ORDERS.columns)


def test_existing_state_is_kept_against_an_older_replayed_change(spark: SparkSession) -> None:
    first = add_partition_date(
        parse_changes(raw(spark, [("u", "orders", 50, key(ORDER_A), order(ORDER_A, "READY"), 0)]), ORDERS), ORDERS
    )
    state = as_state(current_state(latest_per_key(first, ORDERS), ORDERS))
    replay = add_partition_date(
        parse_changes(raw(spark, [("u", "orders", 20, key(ORDER_A), order(ORDER_A, "PAID"), 1)]), ORDERS), ORDERS
    )
    newer = add_partition_date(
        parse_changes(raw(spark, [("u", "orders", 60, key(ORDER_A), order(ORDER_A, "PICKED_UP"), 2)]), ORDERS), ORDERS
    )
    kept = current_state(latest_per_key(replay.unionByName(state), ORDERS), ORDERS).collect()
    moved = current_state(latest_per_key(newer.unionByName(state), ORDERS), ORDERS).collect()
    assert [r["status"] for r in kept] == ["READY"]
    assert [r["status"] for r in moved] == ["PICKED_UP"]


def test_a_delete_without_the_date_in_its_key_borrows_it_from_the_same_key(spark: SparkSession) -> None:
    payment = {
        "payment_id": "p1",
        "order_id": ORDER_A,
        "user_id": "u1",
        "amount_cents": 1299,
        "currency": "EUR",
        "status": "PENDING",
        "provider": "simulated",
        "created_at": CREATED,
        "updated_at": CREATED,
    }
    changes = raw(
        spark,
        [("c", "payments", 10, {"payment_id": "p1"}, payment, 0), ("d", "payments", 20, {"payment_id": "p1"}, None, 1)],
    )
    dated = add_partition_date(parse_changes(changes, PAYMENTS), PAYMENTS).collect()
    assert {r["date"] for r in dated} == {date(2026, 3, 1)}
    assert (
        current_state(
            latest_per_key(add_partition_date(parse_changes(changes, PAYMENTS), PAYMENTS), PAYMENTS), PAYMENTS
        ).count()
        == 0
    )
