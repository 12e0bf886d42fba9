"""Orders written the way the API writes them -> CDC relay -> lake sink -> one Airflow run of the batch
chain (compaction, facts, warehouse load) -> warehouse tables that reconcile with Postgres."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest

from pizza.config import REPO_ROOT, PlatformSettings
from pizza.contracts.events import OrderCreated, OrderLine, OrderStatusChanged, OutboxEvent
from pizza.db.shards import ShardMap
from pizza.ids import new_id
from streaming.consumers.cdc_to_lake.app import LakeSinkApp
from streaming.relay.app import CdcRelay
from streaming.settings import LakeSinkSettings
from streaming.sinks.lake_store import LakeStore

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

WALK = ["PAID", "ACCEPTED", "PREPARING", "READY", "PICKED_UP", "DELIVERED"]


def _outbox(conn: psycopg.Connection, event: OutboxEvent) -> None:
    conn.execute(
        "INSERT INTO outbox (event_id, aggregate_type, aggregate_id, event_type, schema_version, payload, headers)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (
            event.event_id,
            event.aggregate_type,
            event.aggregate_id,
            event.event_type,
            event.schema_version,
            json.dumps(event.payload),
            json.dumps(event.headers),
        ),
    )


def place_and_walk(stack: PlatformSettings, count: int) -> list[str]:
    """Each order: user, order, items, history, payment and outbox in one transaction on the user's shard;
    then status changes (update + history + outbox per step), some orders to DELIVERED, one cancelled."""
    with psycopg.connect(stack.catalog) as conn:
        shard_map = ShardMap.load(conn)
    ids = []
    for n in range(count):
        user_id, order_id, restaurant_id = new_id(), new_id(), uuid.uuid4()
        shard = shard_map.shard_for_user(user_id)
        created = datetime.now(UTC)
        lines = [
            OrderLine(menu_item_id=f"m{i}", name=f"Pizza {i}", quantity=i + 1, unit_price_cents=900) for i in range(2)
        ]
        subtotal = sum(line.quantity * line.unit_price_cents for line in lines)
        with psycopg.connect(stack.shards[shard], autocommit=True) as conn:
            with conn.transaction():
                conn.execute(
                    "INSERT INTO users (user_id, email, name, password_hash, city) VALUES (%s,%s,'E2E','x','Roma')",
                    (user_id, f"{user_id}@example.com"),
                )
                conn.execute(
                    "INSERT INTO orders (order_id, user_id, restaurant_id, status, currency, subtotal_cents,"
                    " delivery_fee_cents, total_cents, city, delivery_address, created_at, updated_at)"
                    " VALUES (%s,%s,%s,'PENDING','EUR',%s,299,%s,'Roma','{}',%s,%s)",
                    (order_id, user_id, restaurant_id, subtotal, subtotal + 299, created, created),
                )
                for i, line in enumerate(lines, start=1):
                    conn.execute(
                        "INSERT INTO order_items (order_id, line_no, order_created_at, menu_item_id, name, quantity,"
                        " unit_price_cents, line_total_cents) VALUES (%s,%s,%s,%s,%s,%s,%s,%s)",
                        (
                            order_id,
                            i,
                            created,
                            line.menu_item_id,
                            line.name,
                            line.quantity,
                            line.unit_price_cents,
                            line.quantity * line.unit_price_cents,
                        ),
                    )
                conn.execute(
                    "INSERT INTO order_status_history (order_id, seq, to_status, changed_at)"
                    " VALUES (%s, 1, 'PENDING', %s)",
                    (order_id, created),
                )
                conn.execute(
                    "INSERT INTO payments (payment_id, order_id, user_id, amount_cents, currency, status, provider,"
                    " created_at, updated_at) VALUES (%s,%s,%s,%s,'EUR','PENDING','simulated',%s,%s)",
                    (new_id(), order_id, user_id, subtotal + 299, created, created),
                )
                _outbox(
                    conn,
                    OutboxEvent.of(
                        OrderCreated(
                            order_id=order_id,
                            user_id=user_id,
                            restaurant_id=restaurant_id,
                            city="Roma",
                            currency="EUR",
                            subtotal_cents=subtotal,
                            discount_cents=0,
                            delivery_fee_cents=299,
                            total_cents=subtotal + 299,
                            items=lines,
                            created_at=created,
                        )
                    ),
                )
            steps = ["CANCELLED"] if n == 0 else WALK[: 2 + n % len(WALK)]
            previous = "PENDING"
            for seq, status in enumerate(steps, start=2):
                at = created + timedelta(minutes=3 * seq)
                with conn.transaction():
                    conn.execute(
                        "UPDATE orders SET status = %s, updated_at = %s WHERE order_id = %s AND created_at = %s",
                        (status, at, order_id, created),
                    )
                    conn.execute(
                        "INSERT INTO order_status_history (order_id, seq, from_status, to_status, changed_at)"
                        " VALUES (%s,%s,%s,%s,%s)",
                        (order_id, seq, previous, status, at),
                    )
                    if status in ("PAID", "CANCELLED"):
                        conn.execute(
                            "UPDATE payments SET status = %s, updated_at = %s WHERE order_id = %s",
                            ("SUCCEEDED" if status == "PAID" else "FAILED", at, order_id),
                        )
                    _outbox(
                        conn,
                        OutboxEvent.of(
                            OrderStatusChanged(
                                order_id=order_id,
                                user_id=user_id,
                                restaurant_id=restaurant_id,
                                from_status=previous,
                                to_status=status,
                                changed_at=at,
                            )
                        ),
                    )  # type: ignore[arg-type]
                previous = status
        ids.append(str(order_id))
    return ids


def postgres_truth(stack: PlatformSettings, ids: list[str]) -> dict[str, Any]:
    truth: dict[str, Any] = {"orders": 0, "total": 0, "items": 0, "history": 0, "paid": 0, "delivered": 0}
    for dsn in stack.shards.values():
        with psycopg.connect(dsn) as conn:
            o = conn.execute(
                "SELECT count(*), coalesce(sum(total_cents), 0), count(*) FILTER (WHERE status = "
                "'DELIVERED') FROM orders WHERE order_id::text = ANY(%s)",
                (ids,),
            ).fetchone()
            i = conn.execute("SELECT count(*) FROM order_items WHERE order_id::text = ANY(%s)", (ids,)).fetchone()
            h = conn.execute(
                "SELECT count(*) FROM order_status_history WHERE order_id::text = ANY(%s)", (ids,)
            ).fetchone()
            p = conn.execute(
                "SELECT coalesce(sum(amount_cents), 0) FROM payments WHERE status = 'SUCCEEDED' AND "
                "order_id::text = ANY(%s)",
                (ids,),
            ).fetchone()
        assert o is not None
        assert i is not None
        assert h is not None
        assert p is not None
        truth["orders"] += o[0]
        truth["total"] += int(o[1])
        truth["delivered"] += o[2]
        truth["items"] += i[0]
        truth["history"] += h[0]
        truth["paid"] += int(p[0])
    return truth


def run_dag(file: str, dag_id: str) -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO_ROOT / "dags" / file))
    run = bag.dags[dag_id].test()
    assert str(run.state) in ("success", "DagRunState.SUCCESS"), f"{dag_id} ended {run.state}"


def test_orders_reach_the_warehouse_and_reconcile_with_postgres(
    stack: PlatformSettings, relay: CdcRelay, batch_env: Path
) -> None:
    ids = place_and_walk(stack, 8)
    relay.run(until_idle=True)
    sink_settings = LakeSinkSettings(
        group_id=f"e2e-lake-{uuid.uuid4().hex[:10]}",
        max_age_s=0.5,
        metadata_refresh_ms=1000,
        poll_timeout_s=0.2,
        session_timeout_ms=2000,
        topic_pattern=r"^cdc\.(orders|order_items|order_status_history|payments|users)$",
    )
    sink = LakeSinkApp(stack, sink_settings, LakeStore(str(batch_env / "lake")))
    try:
        sink.run(idle_exit_s=3)
    finally:
        sink.close()

    run_dag("cdc_lake_compaction.py", "cdc_lake_compaction")
    run_dag("warehouse_load.py", "warehouse_load")

    truth = postgres_truth(stack, ids)
    assert truth["orders"] == len(ids)
    with duckdb.connect(str(batch_env / "warehouse" / "pizza.duckdb"), read_only=True) as con:

        def one(sql: str) -> tuple[Any, ...]:
            row = con.execute(sql, [ids]).fetchone()
            assert row is not None
            return tuple(row)

        assert one("SELECT count(*), sum(total_cents) FROM lake.orders WHERE order_id = ANY(?)") == (
            truth["orders"],
            truth["total"],
        )
        assert one("SELECT count(*) FROM lake.order_items WHERE order_id = ANY(?)") == (truth["items"],)
        assert one("SELECT count(*) FROM lake.order_status_history WHERE order_id = ANY(?)") == (truth["history"],)
        assert one("SELECT count(*), sum(total_cents) FROM lake.fact_orders WHERE order_id = ANY(?)") == (
            truth["orders"],
            truth["total"],
        )
        assert one(
            "SELECT coalesce(sum(amount_cents), 0) FROM lake.fact_payments WHERE is_succeeded AND order_id = ANY(?)"
        ) == (truth["paid"],)
        assert one("SELECT count(*) FROM lake.fact_deliveries WHERE is_delivered AND order_id = ANY(?)") == (
            truth["delivered"],
        )
