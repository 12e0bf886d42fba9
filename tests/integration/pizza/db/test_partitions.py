"""Partition maintenance on the real shards: missing future months are created, strays are reported."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg.types.json import Jsonb

from pizza.config import PlatformSettings
from pizza.db.partitions import describe_shard, ensure_partitions

pytestmark = pytest.mark.integration


def newest_partition(conn: psycopg.Connection, parent: str) -> str:
    row = conn.execute(
        "SELECT partition_schemaname || '.' || partition_tablename FROM partman.show_partitions(%s, 'DESC') LIMIT 1",
        (parent,),
    ).fetchone()
    assert row is not None
    return str(row[0])


def test_a_missing_future_month_is_created_again_on_every_shard(stack: PlatformSettings) -> None:
    dsn = stack.shards["shard_0"]
    with psycopg.connect(dsn, autocommit=True) as conn:
        before = newest_partition(conn, "public.orders")
        conn.execute(f"DROP TABLE {before}")
        assert newest_partition(conn, "public.orders") != before

    results = ensure_partitions(stack)

    assert {r.shard for r in results} == set(stack.shards)
    assert {r.parent_table for r in results} == {"public.orders", "public.order_items"}
    with psycopg.connect(dsn) as conn:
        assert newest_partition(conn, "public.orders") == before
    horizon = datetime.now(UTC) + timedelta(days=3 * 28)
    assert all(r.covered_until > horizon for r in results)
    assert all(r.partitions >= 4 for r in results)  # this month and three ahead; older ones may be archived


def test_rows_that_fell_into_the_default_partition_are_reported(stack: PlatformSettings) -> None:
    # Described only: maintenance would try to create every month up to the stray row's.
    stray = datetime(2999, 1, 1, tzinfo=UTC)
    order_id = uuid.uuid4()
    with psycopg.connect(stack.shards["shard_1"], autocommit=True) as conn:
        conn.execute(
            """INSERT INTO orders (order_id, user_id, restaurant_id, status, currency, subtotal_cents, total_cents,
                   city, delivery_address, created_at)
               VALUES (%s, %s, %s, 'PENDING', 'EUR', 100, 100, 'Berlin', %s, %s)""",
            (order_id, uuid.uuid4(), uuid.uuid4(), Jsonb({}), stray),
        )
        try:
            [orders] = [s for s in describe_shard(conn, "shard_1") if s.parent_table == "public.orders"]
            assert orders.rows_in_default == 1
        finally:
            conn.execute("DELETE FROM orders WHERE order_id = %s", (order_id,))
        [orders] = [s for s in describe_shard(conn, "shard_1") if s.parent_table == "public.orders"]
        assert orders.rows_in_default == 0
