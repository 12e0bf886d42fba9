"""Compaction, facts and warehouse loads on a real local lake, checked against the generator's truth."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import fakesnow
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyspark.sql import SparkSession

from pipelines.io.lakefs import Location, location
from pipelines.jobs import build_facts, compact_curated, load_warehouse
from pipelines.loaders.duckdb import DuckDBLoader
from pipelines.loaders.snowflake import SnowflakeLoader
from pipelines.quality import DataQualityError
from pipelines.settings import PipelineSettings
from pipelines.synthetic.raw_cdc import SyntheticLake, SyntheticSpec, generate, raw_table, write_raw
from pizza.config import PlatformSettings
from pizza.contracts.lake import RAW_CDC, RAW_CDC_SCHEMA, raw_file_name
from pizza.crypto.pseudonyms import normalised_email, pseudonym, pseudonym_key

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SPEC = SyntheticSpec(orders=120, days=2, restaurants=6, seed=5)


@dataclass
class World:
    platform: PlatformSettings
    settings: PipelineSettings
    lake: Location
    truth: SyntheticLake


@pytest.fixture(scope="module")
def world(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> World:
    """Two incremental runs: the first day and a half, then the rest (updates and deletes of batch one)."""
    root = tmp_path_factory.mktemp("lake")
    platform = PlatformSettings(lake_url=str(root / "lake"), warehouse_path=root / "warehouse.duckdb")
    settings = PipelineSettings(spark_shuffle_partitions=2)
    lake = location(platform.lake, settings)
    truth = generate(SPEC)
    split = SPEC.start + timedelta(hours=36)
    write_raw(lake, [c for c in truth.changes if c.at < split])
    write_raw(lake, [c for c in truth.duplicates if c.at < split])
    compact_curated.run(spark, platform, settings)
    write_raw(lake, [c for c in truth.changes if c.at >= split])
    write_raw(lake, [c for c in truth.duplicates if c.at >= split])
    compact_curated.run(spark, platform, settings)
    return World(platform, settings, lake, truth)


def curated_rows(lake: Location, table: str) -> pa.Table:
    return pq.read_table(lake.path("curated", table), filesystem=lake.fs)


def test_incremental_compaction_equals_the_true_current_state(world: World) -> None:
    for table, expected in world.truth.expected.items():
        got = curated_rows(world.lake, table)
        assert got.num_rows == len(expected), table
    orders = {r["order_id"]: (r["status"], r["total_cents"]) for r in curated_rows(world.lake, "orders").to_pylist()}
    truth = {str(r["order_id"]): (r["status"], r["total_cents"]) for r in world.truth.expected_rows("orders")}
    assert orders == truth
    users = {r["user_id"]: r["email_hmac"] for r in curated_rows(world.lake, "users").to_pylist()}
    for user in world.truth.expected_rows("users"):
        assert users[str(user["user_id"])] == pseudonym(pseudonym_key(), normalised_email(user["email"]))


def test_a_run_with_no_new_files_changes_nothing(spark: SparkSession, world: World) -> None:
    result = compact_curated.run(spark, world.platform, world.settings)
    assert {r.files for r in result.tables.values()} == {0}
    assert result.touched_dates() == {}


def test_backfill_rebuilds_the_same_partitions_as_the_incremental_runs(spark: SparkSession, world: World) -> None:
    before = {t: curated_rows(world.lake, t).sort_by("_lsn") for t in ("orders", "payments", "user_addresses")}
    first, last = date(2025, 1, 1), (SPEC.end + timedelta(days=1)).date()
    compact_curated.run(spark, world.platform, world.settings, tables=list(before), backfill=(first, last))
    for table, rows in before.items():
        assert curated_rows(world.lake, table).sort_by("_lsn").equals(rows), table


def test_facts_reconcile_with_the_source_and_rebuild_identically(spark: SparkSession, world: World) -> None:
    dates = build_facts.all_order_dates(world.platform, world.settings)
    first = build_facts.run(spark, world.platform, world.settings, dates)
    again = build_facts.run(spark, world.platform, world.settings, dates)
    orders = world.truth.expected_rows("orders")
    assert first.rows == again.rows
    assert first.rows["fact_orders"] == len(orders)
    facts = pq.read_table(world.lake.path("facts", "fact_orders"), filesystem=world.lake.fs)
    assert sum(facts.column("total_cents").to_pylist()) == sum(o["total_cents"] for o in orders)
    delivered = [o for o in orders if o["status"] in ("PICKED_UP", "DELIVERED")]
    assert first.rows["fact_deliveries"] == len(delivered)


def test_duckdb_load_reconciles_is_incremental_and_drops_vanished_partitions(world: World) -> None:
    first = load_warehouse.run(world.platform, world.settings)
    again = load_warehouse.run(world.platform, world.settings)
    assert first.loaded_rows > 0
    assert again.loaded_rows == 0, "unchanged partitions are not reloaded"
    warehouse = str(world.platform.warehouse)
    with duckdb.connect(warehouse, read_only=True) as con:
        for table, expected in world.truth.expected.items():
            assert con.execute(f"SELECT count(*) FROM lake.{table}").fetchone() == (len(expected),), table
    day = load_warehouse.partition_dates(world.lake, load_warehouse.datasets(["restaurants"])[0])[0]
    world.lake.delete_dir("curated", "restaurants", f"date={day.isoformat()}")
    dropped = load_warehouse.run(world.platform, world.settings, names=["restaurants"])
    assert dropped.dropped == {"restaurants": [day.isoformat()]}
    with duckdb.connect(warehouse, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM lake.restaurants WHERE date = ?", [day]).fetchone() == (0,)


def test_snowflake_loader_is_idempotent_per_partition(world: World, tmp_path: Path) -> None:
    names = ["orders", "fact_orders"]
    orders = world.truth.expected_rows("orders")
    with fakesnow.patch():
        loader = SnowflakeLoader({"account": "pizza", "user": "loader", "password": "x"}, "pizza", "lake")
        load_warehouse.run(world.platform, world.settings, loader=loader, names=names, full=True)
        load_warehouse.run(world.platform, world.settings, loader=loader, names=names, full=True)
        import snowflake.connector

        con = snowflake.connector.connect(account="pizza", user="loader", password="x", database="PIZZA", schema="LAKE")
        cur = con.cursor()
        cur.execute('SELECT count(*), sum("TOTAL_CENTS") FROM "ORDERS"')
        count, total = cur.fetchone()
        cur.execute('SELECT count(DISTINCT "DATE") FROM "FACT_ORDERS"')
        (days,) = cur.fetchone()
    assert (count, int(total)) == (len(orders), sum(o["total_cents"] for o in orders))
    assert days == len({o["created_at"].date() for o in orders})


def test_foreign_rows_in_a_raw_file_fail_the_job_and_leave_curated_untouched(spark: SparkSession, world: World) -> None:
    before = curated_rows(world.lake, "coupons").sort_by("code")
    folder = world.lake.path(RAW_CDC, "coupons", "date=2030-01-01", "hour=00")
    world.lake.fs.create_dir(folder, recursive=True)
    stray = [c for c in world.truth.changes if c.table == "restaurants"][:1]
    bad = raw_table(stray)
    assert bad.schema == RAW_CDC_SCHEMA
    pq.write_table(bad, f"{folder}/{raw_file_name('cdc.coupons', 0, 999, 999)}", filesystem=world.lake.fs)
    with pytest.raises(DataQualityError, match="other tables"):
        compact_curated.run(spark, world.platform, world.settings, tables=["coupons"])
    assert curated_rows(world.lake, "coupons").sort_by("code").equals(before)
    world.lake.delete_dir(RAW_CDC, "coupons", "date=2030-01-01")


def test_duckdb_loader_adds_columns_a_newer_contract_introduces(tmp_path: Path) -> None:
    loader = DuckDBLoader(tmp_path / "w.duckdb")
    dataset = load_warehouse.datasets(["coupons"])[0]
    with loader:
        loader.con.execute("CREATE SCHEMA IF NOT EXISTS lake")
        loader.con.execute('CREATE TABLE lake.coupons (code VARCHAR, "date" DATE)')
        loader.ensure_table(dataset)
        columns = [r[0] for r in loader.con.execute("DESCRIBE lake.coupons").fetchall()]
    assert set(columns) == set(dataset.spec.columns)
