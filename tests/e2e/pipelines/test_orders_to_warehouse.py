"""Orders written the way the API writes them -> CDC relay -> lake sink -> one Airflow run of the batch
chain (compaction, facts, warehouse load) -> warehouse tables that reconcile with Postgres."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest
from support.order_walks import HAPPY_PATH
from support.shards import ShardOrderWriter

from pizza.config import REPO_ROOT, PlatformSettings
from streaming.relay.app import CdcRelay

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def place_and_walk(stack: PlatformSettings, count: int) -> list[str]:
    """Each order: user, order, items, history, payment and outbox in one transaction on the user's shard;
    then status changes (update + history + outbox per step), some orders to DELIVERED, one cancelled."""
    writer = ShardOrderWriter(stack)
    ids = []
    try:
        for n in range(count):
            order = writer.place(city="Roma", delivery_fee_cents=299, with_user=True, with_payment=True)
            steps = ["CANCELLED"] if n == 0 else HAPPY_PATH[1 : 3 + n % (len(HAPPY_PATH) - 1)]
            for seq, status in enumerate(steps, start=2):
                writer.change_status(order, status, at=order.created_at + timedelta(minutes=3 * seq))
            ids.append(str(order.order_id))
    finally:
        writer.close()
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
    stack: PlatformSettings, relay: CdcRelay, batch_env: Path, sink_to_lake: Callable[..., None]
) -> None:
    ids = place_and_walk(stack, 8)
    relay.run(until_idle=True)
    tables = r"^cdc\.(orders|order_items|order_status_history|payments|users)$"
    sink_to_lake(stack, batch_env / "lake", topic_pattern=tables)

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
