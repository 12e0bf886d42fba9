"""Publishing to the serving store (catalog Postgres) and the DuckDB warehouse: whole-feed swaps."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import psycopg
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from pipelines.recommendations import serving, warehouse
from pizza.config import PlatformSettings
from pizza.contracts.curated import arrow_schema
from pizza.contracts.recommendations import FEED_COLUMNS

pytestmark = pytest.mark.integration

GENERATED = datetime(2025, 6, 30, 2, tzinfo=UTC)


def feed(version: str, users: list[uuid.UUID], per_user: int = 3) -> pa.Table:
    rows = [
        {
            "customer_id": str(u),
            "rank": rank,
            "item_type": item_type,
            "item_id": f"{item_type[0]}{rank}",
            "item_name": f"{item_type} {rank}",
            "score": 1.0 / rank,
            "model_version": version,
            "generated_at": GENERATED,
        }
        for u in users
        for item_type in ("dish", "restaurant")
        for rank in range(1, per_user + 1)
    ]
    return pa.Table.from_pylist(rows, schema=arrow_schema(FEED_COLUMNS))


def served(dsn: str) -> list[tuple[str, int]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT model_version, count(*)::int FROM customer_recommendations GROUP BY 1 ORDER BY 1"
        ).fetchall()


def test_a_new_feed_replaces_the_whole_served_feed(stack: PlatformSettings) -> None:
    first, second = [uuid.uuid4(), uuid.uuid4()], [uuid.uuid4()]
    assert serving.replace_feed(stack.catalog, feed("als-a", first).to_batches(), "a", "als-a") == 12
    assert served(stack.catalog) == [("als-a", 12)]
    assert serving.replace_feed(stack.catalog, feed("als-b", second).to_batches(), "b", "als-b") == 6
    assert served(stack.catalog) == [("als-b", 6)]
    with psycopg.connect(stack.catalog) as conn:
        rows = conn.execute(
            "SELECT item_type, rank, item_id FROM customer_recommendations WHERE user_id = %s ORDER BY 1, 2",
            (second[0],),
        ).fetchall()
        log = conn.execute(
            "SELECT run_id, row_count FROM recommendation_publications WHERE run_id IN ('a', 'b') ORDER BY 1"
        ).fetchall()
    assert rows == [("dish", 1, "d1"), ("dish", 2, "d2"), ("dish", 3, "d3")] + [
        ("restaurant", r, f"r{r}") for r in (1, 2, 3)
    ]
    assert log == [("a", 12), ("b", 6)]


def test_readers_see_the_old_feed_until_the_swap_commits(stack: PlatformSettings) -> None:
    serving.replace_feed(stack.catalog, feed("als-old", [uuid.uuid4()]).to_batches(), "old", "als-old")
    seen_during: list[list[tuple[str, int]]] = []

    def batches() -> Iterator[pa.RecordBatch]:
        table = feed("als-new", [uuid.uuid4(), uuid.uuid4()])
        yield from table.slice(0, 5).to_batches()
        seen_during.append(served(stack.catalog))  # another connection, mid-copy
        yield from table.slice(5).to_batches()

    serving.replace_feed(stack.catalog, batches(), "new", "als-new")
    assert seen_during == [[("als-old", 6)]]
    assert served(stack.catalog) == [("als-new", 12)]


def test_a_failed_swap_leaves_the_previous_feed(stack: PlatformSettings) -> None:
    serving.replace_feed(stack.catalog, feed("als-kept", [uuid.uuid4()]).to_batches(), "kept", "als-kept")

    def broken() -> Iterator[pa.RecordBatch]:
        yield from feed("als-broken", [uuid.uuid4()]).slice(0, 2).to_batches()
        raise OSError("lake went away")

    with pytest.raises(OSError, match="lake went away"):
        serving.replace_feed(stack.catalog, broken(), "broken", "als-broken")
    assert served(stack.catalog) == [("als-kept", 6)]


def run_row(run_id: str, published: bool = False) -> dict[str, object]:
    return {"run_id": run_id, "item_type": "dish", "model_version": f"als-{run_id}", "published": published}


def test_warehouse_replaces_the_feed_and_marks_only_that_run_published(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    warehouse.record_run(path, [run_row("r1"), {**run_row("r1"), "item_type": "restaurant"}])
    warehouse.record_run(path, [run_row("r1"), {**run_row("r1"), "item_type": "restaurant"}])  # a retry
    warehouse.record_run(path, [run_row("r2")])
    assert warehouse.publish_feed(path, ds.dataset(feed("als-r1", [uuid.uuid4()])), "r1") == 6
    assert warehouse.publish_feed(path, ds.dataset(feed("als-r2", [uuid.uuid4()] * 2, 1)), "r2") == 4
    con = duckdb.connect(str(path), read_only=True)
    try:
        runs = con.execute("SELECT run_id, item_type, published FROM lake.recommendation_runs ORDER BY 1, 2").fetchall()
        versions = con.execute("SELECT DISTINCT model_version FROM lake.customer_recommendations").fetchall()
        types = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'customer_recommendations' ORDER BY ordinal_position"
        ).fetchall()
    finally:
        con.close()
    assert runs == [("r1", "dish", True), ("r1", "restaurant", True), ("r2", "dish", True)]
    assert versions == [("als-r2",)]
    assert types == [
        ("customer_id", "VARCHAR"),
        ("rank", "INTEGER"),
        ("item_type", "VARCHAR"),
        ("item_id", "VARCHAR"),
        ("item_name", "VARCHAR"),
        ("score", "DOUBLE"),
        ("model_version", "VARCHAR"),
        ("generated_at", "TIMESTAMP WITH TIME ZONE"),
    ]


def test_warehouse_waits_for_another_process_holding_the_file(tmp_path: Path) -> None:
    path = tmp_path / "locked.duckdb"
    duckdb.connect(str(path)).close()
    hold = f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('held', flush=True); time.sleep(3)"
    holder = subprocess.Popen([sys.executable, "-c", hold], stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == b"held"
        started = time.monotonic()
        warehouse.record_run(path, [run_row("waited")])
        assert time.monotonic() - started > 0.5  # it had to wait for the lock, then wrote
    finally:
        holder.wait(timeout=30)
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute("SELECT run_id FROM lake.recommendation_runs").fetchall() == [("waited",)]
    finally:
        con.close()
