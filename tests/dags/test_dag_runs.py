"""The maintenance DAGs run with ``dag.test()`` on the local stack: Spark, the lake, the archive and the
Postgres shards. The batch chain (compaction -> warehouse -> dbt) runs in real Airflow instead, in
tests/integration/airflow/test_real_airflow_chain.py, which checks the same reconciliation."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pyarrow.dataset as pads
import pytest
from batch_support import batch_folders

from pipelines.io.lakefs import location
from pipelines.settings import PipelineSettings
from pizza.config import PlatformSettings
from pizza.db.shards import ShardMap
from pizza.ids import new_id

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def batch_env(stack: PlatformSettings, airflow_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Tasks read settings at run time: point the lake, warehouse and archive at a fresh folder."""
    with batch_folders(tmp_path_factory.mktemp("batch")) as root:
        yield root


def _dag(file: str, dag_id: str) -> Any:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS / file))
    assert bag.import_errors == {}
    return bag.dags[dag_id]


def _run(file: str, dag_id: str) -> Any:
    run = _dag(file, dag_id).test()
    assert str(run.state) in ("success", "DagRunState.SUCCESS"), f"{dag_id} ended {run.state}"
    return run


def _seed_old_orders(stack: PlatformSettings, shard: str, months_back: list[int]) -> dict[str, list[str]]:
    """Delivered orders early in past months (partitions recreated if an earlier test archived them);
    returns {month: order ids}."""
    today = datetime.now(UTC).date()
    with psycopg.connect(stack.catalog) as conn:
        shard_map = ShardMap.load(conn)
    user_id = new_id()
    while shard_map.shard_for_user(user_id) != shard:
        user_id = new_id()
    seeded: dict[str, list[str]] = {}
    with psycopg.connect(stack.shards[shard]) as conn:
        for back in months_back:
            index = today.year * 12 + today.month - 1 - back
            month = datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)
            for parent in ("public.orders", "public.order_items"):
                conn.execute("SELECT partman.create_partition_time(%s, %s::timestamptz[])", (parent, [month]))
            ids = seeded.setdefault(f"{month:%Y-%m}", [])
            for n in range(2):
                created = month + timedelta(days=2, hours=n)
                order_id = new_id()
                conn.execute(
                    """INSERT INTO orders (order_id, user_id, restaurant_id, status, currency, subtotal_cents,
                           total_cents, city, delivery_address, created_at, updated_at)
                       VALUES (%s,%s,%s,'DELIVERED','EUR',1000,1299,'Paris','{}',%s,%s)""",
                    (order_id, user_id, uuid.uuid4(), created, created),
                )
                conn.execute(
                    """INSERT INTO order_items (order_id, line_no, order_created_at, menu_item_id, name, quantity,
                           unit_price_cents, line_total_cents) VALUES (%s,1,%s,'marinara','Marinara',2,500,1000)""",
                    (order_id, created),
                )
                ids.append(str(order_id))
    return seeded


def test_partition_maintenance_and_archive_moves_old_months(stack: PlatformSettings, batch_env: Path) -> None:
    seeded = _seed_old_orders(stack, "shard_3", [8, 7, 1])
    _run("partition_maintenance_and_archive.py", "partition_maintenance_and_archive")

    old, recent = sorted(seeded)[:2], sorted(seeded)[-1]
    with psycopg.connect(stack.shards["shard_3"]) as conn:
        logged = {m for (m,) in conn.execute("SELECT to_char(month, 'YYYY-MM') FROM archived_partitions").fetchall()}
        in_postgres = {
            r[0]
            for r in conn.execute(
                "SELECT order_id::text FROM orders WHERE order_id::text = ANY(%s)",
                ([i for ids in seeded.values() for i in ids],),
            ).fetchall()
        }
    archive = location(str(batch_env / "archive"), PipelineSettings())
    with duckdb.connect() as con:
        con.register(
            "archived",
            pads.dataset(archive.path("orders"), filesystem=archive.fs, format="parquet", partitioning="hive"),
        )
        in_archive = {r[0] for r in con.execute("SELECT order_id FROM archived WHERE shard = 'shard_3'").fetchall()}
    for month in old:
        assert month in logged, f"{month} not recorded as archived"
        assert set(seeded[month]) <= in_archive, f"{month} orders missing from the archive"
        assert not set(seeded[month]) & in_postgres, f"{month} orders still in Postgres"
    assert set(seeded[recent]) <= in_postgres, "recent months stay in Postgres"
    assert not set(seeded[recent]) & in_archive


def test_data_retention_trims_expired_rows_on_every_database(stack: PlatformSettings, batch_env: Path) -> None:
    user_id, key = uuid.uuid4(), f"retention-{uuid.uuid4().hex}"
    with psycopg.connect(stack.shards["shard_2"], autocommit=True) as conn:
        conn.execute(
            """INSERT INTO idempotency_keys (user_id, key, request_hash, order_id, created_at)
               VALUES (%s, %s, 'h', %s, now() - interval '2 days'), (%s, %s, 'h', %s, now())""",
            (user_id, key, new_id(), user_id, key + "-young", new_id()),
        )
    run = _run("data_retention.py", "data_retention")
    mapped = [ti for ti in run.get_task_instances() if ti.task_id == "purge_expired"]
    assert len(mapped) == 1 + len(stack.shards), "one purge per database: the catalog and each shard"
    with psycopg.connect(stack.shards["shard_2"]) as conn:
        left = {r[0] for r in conn.execute("SELECT key FROM idempotency_keys WHERE user_id = %s", (user_id,))}
    assert left == {key + "-young"}
