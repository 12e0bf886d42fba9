"""Hot/cold archival against real Postgres shards, to a local folder and to S3 (moto server)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import psycopg
import pyarrow.dataset as pads
import pytest

from pipelines.io.lakefs import location
from pipelines.partitions.archive import archive_shard, cutoff_month, source_stats, table_columns
from pipelines.partitions.history import archived_months, order_history
from pipelines.partitions.maintenance import create_partitions_ahead, month_partitions
from pipelines.settings import PipelineSettings
from pizza.config import PlatformSettings

pytestmark = pytest.mark.integration

TODAY = datetime.now(UTC).date()
OrderWriter = Callable[[str, datetime, int], list[str]]
Partitions = Callable[[str, list[datetime]], None]


def month_start(today: date, months_back: int) -> datetime:
    index = today.year * 12 + today.month - 1 - months_back
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def _seed(write_orders: OrderWriter, partitions: Partitions, shard: str) -> dict[str, list[str]]:
    """Orders back-dated over the last 8 months plus this one; {month: order ids}."""
    months = [month_start(TODAY, back) for back in range(8, -1, -1)]
    partitions(shard, months)
    return {f"{m:%Y-%m}": write_orders(shard, m.replace(day=3), 3) for m in months}


def _stats_by_month(dsn: str) -> dict[tuple[str, str], tuple[int, int]]:
    out = {}
    with psycopg.connect(dsn) as conn:
        for parent in ("orders", "order_items"):
            columns = table_columns(conn, parent)
            for part in month_partitions(conn, parent):
                stats = source_stats(conn, part.name, columns)
                out[(parent, f"{part.month:%Y-%m}")] = (stats.rows, stats.checksum)
    return out


def _archived_stats(archive_url: str, settings: PipelineSettings, shard: str) -> dict[tuple[str, str], int]:
    archive = location(archive_url, settings)
    out = {}
    for table in ("orders", "order_items"):
        for s, month in archived_months(archive, table):
            if s == shard:
                files = archive.list_files(table, f"shard={shard}", f"month={month:%Y-%m}")
                rows = pads.dataset([f.path for f in files], filesystem=archive.fs, format="parquet").count_rows()
                out[(table, f"{month:%Y-%m}")] = rows
    return out


def _assert_archived(stack: PlatformSettings, shard: str, archive_url: str, settings: PipelineSettings) -> None:
    cutoff = cutoff_month(TODAY, 6)
    before = _stats_by_month(stack.shards[shard])
    moved = archive_shard(stack.shards[shard], shard, location(archive_url, settings), 6, TODAY)
    after = _stats_by_month(stack.shards[shard])

    old = {k for k in before if k[1] < f"{cutoff:%Y-%m}"}
    assert old, "the seed must leave months to archive"
    assert {(m.table, m.month) for m in moved} == old
    assert set(after) == set(before) - old, "old partitions are detached and dropped, recent ones stay"
    for item in moved:  # the archive holds exactly what Postgres held: rows and checksum
        assert (item.rows, item.checksum) == before[(item.table, item.month)]
    archived = _archived_stats(archive_url, settings, shard)
    assert {k: before[k][0] for k in old} == {k: v for k, v in archived.items() if k in old}
    with psycopg.connect(stack.shards[shard]) as conn:
        logged = conn.execute(
            "SELECT parent_table, to_char(month, 'YYYY-MM'), row_count, checksum FROM archived_partitions"
        ).fetchall()
    logged_map = {(t, m): (int(r), int(c)) for t, m, r, c in logged}
    assert {k: before[k] for k in old} == {k: v for k, v in logged_map.items() if k in old}


def test_archive_to_local_folder_moves_old_months_and_loses_nothing(
    stack: PlatformSettings, write_orders: OrderWriter, month_partitions_for: Partitions, tmp_path: Path
) -> None:
    settings = PipelineSettings()
    archive_url = str(tmp_path)
    seeded = _seed(write_orders, month_partitions_for, "shard_0")
    _assert_archived(stack, "shard_0", archive_url, settings)

    oldest = seeded[next(iter(seeded))]
    history = order_history(location(archive_url, settings), _user_of(archive_url, oldest[0]))
    assert set(history.column("order_id").to_pylist()) >= set(oldest), "archived orders stay readable"
    assert set(history.column("lines").to_pylist()) == {2}


def _user_of(archive_url: str, order_id: str) -> str:
    archive = location(archive_url, PipelineSettings())
    dataset = pads.dataset(archive.path("orders"), filesystem=archive.fs, format="parquet", partitioning="hive")
    with duckdb.connect() as con:
        con.register("o", dataset)
        row = con.execute("SELECT user_id FROM o WHERE order_id = ?", [order_id]).fetchone()
    assert row is not None, f"order {order_id} not in the archive"
    return str(row[0])


def test_archive_to_s3_moves_old_months_and_loses_nothing(
    stack: PlatformSettings,
    write_orders: OrderWriter,
    month_partitions_for: Partitions,
    s3_endpoint: str,
    s3_bucket: str,
) -> None:
    settings = PipelineSettings(s3_endpoint_url=s3_endpoint)
    _seed(write_orders, month_partitions_for, "shard_1")
    _assert_archived(stack, "shard_1", f"s3://{s3_bucket}/archive", settings)


def test_a_failed_export_leaves_every_partition_and_row_in_postgres(
    stack: PlatformSettings, write_orders: OrderWriter, month_partitions_for: Partitions, s3_endpoint: str
) -> None:
    settings = PipelineSettings(s3_endpoint_url=s3_endpoint)
    _seed(write_orders, month_partitions_for, "shard_2")
    before = _stats_by_month(stack.shards["shard_2"])
    logged_before = _archive_log(stack.shards["shard_2"])
    with pytest.raises(OSError, match=r"(?i)bucket"):
        archive_shard(stack.shards["shard_2"], "shard_2", location("s3://no-such-bucket/x", settings), 6, TODAY)
    assert _stats_by_month(stack.shards["shard_2"]) == before
    assert _archive_log(stack.shards["shard_2"]) == logged_before, "nothing recorded as archived"


def _archive_log(dsn: str) -> list[tuple[object, ...]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT * FROM archived_partitions ORDER BY parent_table, month").fetchall()


def test_partitions_are_kept_ahead(stack: PlatformSettings) -> None:
    partitions = create_partitions_ahead(stack.shards["shard_3"])
    ahead = month_start(TODAY, -3)
    for parent, names in partitions.items():
        assert f"{parent}_p{ahead:%Y_%m}" in names, f"{parent} lacks the partition 3 months ahead"
