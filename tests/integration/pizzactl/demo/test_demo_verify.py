"""`pizza demo verify` on the real stack: orders placed through the HTTP API, the downstream layers built
from them, every layer agrees; then one layer is broken and exactly that layer and currency are named.

The curated lake is planted, not compacted: the rows of the shards and the catalog are written as the
curated contract's Parquet (``pizza/contracts/curated.py``, the layout Spark writes), because the CDC
relay, the lake sink and a Spark session would cost minutes. From there on the real code runs: the
warehouse loader (``pipelines.jobs.load_warehouse.run``) and ``dbt build`` of ``fct_orders`` and the snapshot
published as ``pizzactl.cli.analytics.build_and_publish`` does (``run_dbt`` then ``publish_marts_snapshot``).

The shards are shared with earlier runs of the session's state, so the planted lake holds every order
the shards hold, not only this test's; the assertions are about this test's currencies and orders.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from psycopg.rows import dict_row
from support.order_walks import HAPPY_PATH

from pizza.config import PlatformSettings
from pizza.contracts.curated import (
    ORDER_ITEMS,
    ORDER_STATUS_HISTORY,
    ORDERS,
    PARTITION_DATE,
    RESTAURANTS,
    CuratedTable,
)
from pizza.contracts.lake import curated_dir
from pizzactl.demo.verify import Difference, reconcile

pytestmark = [pytest.mark.integration, pytest.mark.slow]


LONDON = {
    "city": "London",
    "country": "GB",
    "timezone": "Europe/London",
    "currency": "GBP",
    "address": "1 Old Street",
    "lat": 51.5256,
    "lon": -0.0875,
}
LONDON_ADDRESS = {"line1": "2 City Road", "city": "London", "lat": 51.5270, "lon": -0.0880}


# --- planting the curated lake from the source rows --------------------------------------------------------


def _curated_value(value: Any, kind: str) -> Any:
    """A Postgres value typed as the curated contract says (uuid/char -> string, jsonb -> JSON text, ...)."""
    if value is None:
        return None
    if kind == "json":
        return json.dumps(value)
    if kind == "string":
        return str(value).strip() if isinstance(value, str) else str(value)
    if kind == "double" and isinstance(value, Decimal):
        return float(value)
    return value


def _plant(lake: Path, table: CuratedTable, rows: list[dict[str, Any]]) -> None:
    """One Parquet file per business date under ``curated/<table>/date=YYYY-MM-DD/``, like Spark writes."""
    schema = pa.schema([f for f in table.arrow_schema() if f.name != PARTITION_DATE])
    by_date: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        day = row[table.date_column].astimezone(UTC).date().isoformat()
        by_date.setdefault(day, []).append(row)
    for day, day_rows in by_date.items():
        columns = {
            field.name: [_curated_value(r.get(field.name), table.columns[field.name]) for r in day_rows]
            for field in schema
        }
        folder = Path(curated_dir(str(lake), table.name)) / f"{PARTITION_DATE}={day}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table(columns, schema=schema), folder / "part-00000.parquet")


def _source_rows(dsn: str, table: CuratedTable, shard: str) -> list[dict[str, Any]]:
    with psycopg.connect(dsn, row_factory=dict_row) as conn:
        rows = conn.execute(f"SELECT * FROM {table.name}").fetchall()
    stamp = datetime.now(UTC)
    return [{**row, "_shard": shard, "_lsn": 1, "_commit_ts": row.get("updated_at") or stamp} for row in rows]


def plant_lake(stack: PlatformSettings, lake: Path) -> None:
    shutil.rmtree(lake, ignore_errors=True)
    for table in (ORDERS, ORDER_ITEMS, ORDER_STATUS_HISTORY):
        rows = [r for shard, dsn in stack.shards.items() for r in _source_rows(dsn, table, shard)]
        _plant(lake, table, rows)
    _plant(lake, RESTAURANTS, _source_rows(stack.catalog, RESTAURANTS, "catalog"))


# --- the downstream layers, built with the real loader and dbt -------------------------------------------


@dataclass
class Layers:
    platform: PlatformSettings
    snapshot: Path
    orders: list[dict[str, Any]]  # this test's orders, as the API returned them

    def total(self, currency: str) -> int:
        return sum(int(o["total_cents"]) for o in self.orders if o["currency"] == currency)


def build_downstream(platform: PlatformSettings, snapshot: Path, root: Path) -> None:
    from pipelines.jobs.load_warehouse import run as load_warehouse
    from pipelines.marts import DbtSettings, publish_marts_snapshot, run_dbt
    from pipelines.settings import get_pipeline_settings

    plant_lake(platform, Path(platform.lake))
    load_warehouse(platform, get_pipeline_settings(), names=["orders", "order_items", "order_status_history",
                                                             "restaurants"])  # fmt: skip
    # what build_and_publish does, for fct_orders and its parents only: tests that also need models
    # of tables this lake lacks (users, payments, coupons, Spark's facts) stay out (cautious selection)
    run = run_dbt(
        ["build", "--select", "+fct_orders", "--indirect-selection", "cautious"],
        platform=platform,
        settings=DbtSettings(target="ci", artifacts_dir=root / "dbt"),
        quiet=True,
    )
    assert run.success, run.problems
    publish_marts_snapshot(platform.warehouse, snapshot)


@pytest.fixture(scope="module")
def layers(
    stack: PlatformSettings,
    admin: Any,
    make_user: Callable[..., Any],
    make_restaurant: Callable[..., Any],
    place_order: Callable[..., dict[str, Any]],
    move_order: Callable[..., dict[str, Any]],
    walk_order: Callable[..., dict[str, Any]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Layers:
    """Orders in EUR and GBP in every state of the journey, and all four layers built from the shards.

    The reconciliation sums every order on the shards, so the module starts from shards holding none:
    earlier modules of the session leave orders of made-up restaurants and archived months behind.
    """
    for dsn in stack.shards.values():
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("TRUNCATE orders, order_items, order_status_history CASCADE")
            conn.execute("DELETE FROM archived_partitions")
    berlin = make_restaurant(with_staff=False)
    london = make_restaurant(with_staff=False, **LONDON)
    orders: list[dict[str, Any]] = []
    for n in range(3):
        customer = make_user()
        order = place_order(customer, berlin.restaurant_id)
        order = walk_order(order, HAPPY_PATH[2 * n + 2], staff=admin)
        orders.append(order)
    for n in range(2):
        customer = make_user(city="London")
        order = place_order(customer, london.restaurant_id, address=LONDON_ADDRESS)
        if n == 0:
            order = move_order(admin, order["order_id"], "CANCELLED")
        orders.append(order)
    assert {o["currency"] for o in orders} == {"EUR", "GBP"}

    root = tmp_path_factory.mktemp("verify")
    platform = stack.model_copy(
        update={
            "lake_url": str(root / "lake"),
            "warehouse_path": root / "warehouse" / "pizza.duckdb",
            "archive_url": str(root / "archive"),
        }
    )
    snapshot = root / "warehouse" / "marts_snapshot.duckdb"
    build_downstream(platform, snapshot, root)
    return Layers(platform, snapshot, orders)


def test_every_layer_agrees_after_the_chain_ran(layers: Layers) -> None:
    rec = reconcile(layers.platform, snapshot=layers.snapshot)
    assert [layer.name for layer in rec.layers] == ["shards", "lake", "warehouse", "marts"]
    assert rec.ok, [(layer.name, layer.error, rec.differences(layer)) for layer in rec.layers]
    shards = rec.truth.figures
    assert shards is not None
    for currency in ("EUR", "GBP"):
        mine = [o for o in layers.orders if o["currency"] == currency]
        assert shards[currency].orders >= len(mine)
        assert shards[currency].total_cents >= layers.total(currency)
        for layer in rec.layers:
            assert layer.figures == shards
    fresh = rec.freshness
    assert fresh.built_at_source == "meta.snapshot.published_at"
    assert fresh.marts_built_at is not None
    assert fresh.newest_order_change is not None
    assert not fresh.behind  # the marts were built after the last status change above


def test_a_row_missing_from_the_warehouse_names_the_warehouse_and_its_currency(layers: Layers) -> None:
    victim = next(o for o in layers.orders if o["currency"] == "GBP")
    warehouse = layers.platform.warehouse
    backup = warehouse.with_name("before-break.duckdb")
    shutil.copyfile(warehouse, backup)
    try:
        with duckdb.connect(str(warehouse)) as con:
            con.execute("DELETE FROM marts.fct_orders WHERE order_id = ?", [victim["order_id"]])
        rec = reconcile(layers.platform, snapshot=layers.snapshot)
        assert not rec.ok
        assert rec.diverging_layer == "warehouse"
        broken = rec.layers[2]
        assert rec.differences(broken) == [Difference("GBP", -1, -int(victim["total_cents"]))]
        assert rec.differences(rec.layers[1]) == []  # the lake still agrees
    finally:
        shutil.move(backup, warehouse)


def test_a_dropped_curated_file_names_the_lake(layers: Layers) -> None:
    lake = Path(curated_dir(layers.platform.lake, ORDERS.name))
    day = datetime.fromisoformat(layers.orders[0]["created_at"]).astimezone(UTC).date().isoformat()
    part = lake / f"{PARTITION_DATE}={day}" / "part-00000.parquet"
    with duckdb.connect() as con:
        row = con.execute(
            "SELECT currency, count(*), sum(total_cents) FROM read_parquet(?) GROUP BY currency ORDER BY currency",
            [str(part)],
        ).fetchall()
    moved = part.with_name(".dropped")
    part.rename(moved)
    try:
        rec = reconcile(layers.platform, snapshot=layers.snapshot)
        assert rec.diverging_layer == "lake"
        assert rec.differences(rec.layers[1]) == [Difference(c, -int(n), -int(s)) for c, n, s in row]
    finally:
        moved.rename(part)


def test_a_missing_snapshot_is_a_mismatch_of_the_marts(layers: Layers, tmp_path: Path) -> None:
    rec = reconcile(layers.platform, snapshot=tmp_path / "nowhere.duckdb")
    assert rec.diverging_layer == "marts"
    assert rec.layers[3].missing
    assert rec.freshness.marts_built_at is None


def test_main_exit_codes_and_plain_output(layers: Layers, capsys: pytest.CaptureFixture[str]) -> None:
    from rich.console import Console

    from pizzactl.demo.verify import main

    console = Console(force_terminal=False, width=200)
    assert main(console, layers.platform, layers.snapshot) == 0
    assert "OK: all 4 layers agree" in capsys.readouterr().out
    missing = layers.platform.model_copy(update={"warehouse_path": layers.snapshot.with_name(f"{uuid.uuid4()}.db")})
    assert main(console, missing, layers.snapshot) == 1
    out = capsys.readouterr().out
    assert "MISMATCH: first diverging layer: warehouse is missing" in out


def test_archived_months_count_as_source_orders(layers: Layers, tmp_path: Path) -> None:
    """Months moved to the cold archive stay part of the truth (the lake keeps them: no row deletes)."""
    shard = sorted(layers.platform.shards)[0]
    month = tmp_path / "archive" / "orders" / f"shard={shard}" / "month=2001-01"
    month.mkdir(parents=True)
    pq.write_table(
        pa.table({"order_id": [str(uuid.uuid4()), str(uuid.uuid4())], "currency": ["CHF", "CHF"],
                  "total_cents": pa.array([1500, 2500], pa.int64())}),
        month / "part-00000.parquet",
    )  # fmt: skip
    platform = layers.platform.model_copy(update={"archive_url": str(tmp_path / "archive")})
    record = (
        "INSERT INTO archived_partitions (parent_table, month, partition_name, row_count, checksum, archive_uri)"
        " VALUES ('orders', '2001-01-01', 'orders_p20010101', 2, 0, %s)"
    )
    with psycopg.connect(platform.shards[shard], autocommit=True) as conn:
        conn.execute(record, (str(month),))
    try:
        rec = reconcile(platform, snapshot=layers.snapshot)
    finally:
        with psycopg.connect(platform.shards[shard], autocommit=True) as conn:
            conn.execute("DELETE FROM archived_partitions WHERE parent_table = 'orders' AND month = '2001-01-01'")
    assert rec.truth.figures is not None
    assert rec.truth.figures["CHF"].orders == 2
    assert rec.diverging_layer == "lake"  # this planted lake never saw the archived month
    assert rec.differences(rec.layers[1]) == [Difference("CHF", -2, -4000)]
