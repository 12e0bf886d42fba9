"""Compact raw CDC files into curated current-state tables, one per business table.

Incremental by default: only raw files not seen before are read, and only the curated date partitions
they touch are rewritten (existing rows of those dates are merged with the new changes by ``lsn``).
``--from-date/--to-date`` rebuilds a range of business dates from the raw files alone (backfill).
Both are idempotent: running the same input twice writes the same partitions.

    python -m pipelines.jobs.compact_curated [--tables orders,payments] [--from-date D --to-date D]
    spark-submit --py-files pipelines.zip pipelines/jobs/compact_curated.py ...
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from pipelines import quality
from pipelines.io.lakefs import Location, location
from pipelines.io.raw import RawFile, list_raw_files, raw_dates
from pipelines.io.state import read_state, write_state
from pipelines.settings import PipelineSettings, get_pipeline_settings
from pipelines.spark import get_spark
from pipelines.transforms.cdc import add_partition_date, as_state, current_state, latest_per_key, parse_changes
from pipelines.transforms.types import RAW_CDC_SPARK_SCHEMA, spark_schema
from pizza.config import PlatformSettings, get_platform_settings
from pizza.contracts.cdc import CDC_SCHEMA_VERSION
from pizza.contracts.curated import CURATED_TABLES, PARTITION_DATE, CuratedTable
from pizza.contracts.lake import CURATED
from pizza.logs import configure_logging, get_logger

log = get_logger(__name__)
STATE = "compact_curated"


@dataclass
class TableResult:
    table: str
    mode: str
    files: int = 0
    changes: int = 0
    keys: int = 0
    deleted: int = 0
    rows_written: int = 0
    dates: list[str] = field(default_factory=list)  # curated partitions rewritten or removed


@dataclass
class CompactionResult:
    tables: dict[str, TableResult] = field(default_factory=dict)

    def touched_dates(self) -> dict[str, list[str]]:
        return {name: r.dates for name, r in self.tables.items() if r.dates}


def _state_key(table: CuratedTable) -> str:
    return f"{table.name}.json"


def _read_raw(spark: SparkSession, lake: Location, files: Sequence[RawFile]) -> DataFrame:
    return spark.read.schema(RAW_CDC_SPARK_SCHEMA).parquet(*(lake.spark_path(f.path) for f in files))


def _read_curated(spark: SparkSession, lake: Location, table: CuratedTable, dates: Sequence[date]) -> DataFrame | None:
    """Existing curated rows of the given partitions (None when none of them exists)."""
    existing = [d for d in dates if lake.exists(CURATED, table.name, f"{PARTITION_DATE}={d.isoformat()}")]
    if not existing:
        return None
    base = lake.spark_uri(CURATED, table.name)
    paths = [f"{base}/{PARTITION_DATE}={d.isoformat()}" for d in existing]
    return spark.read.schema(spark_schema(table.columns)).option("basePath", base).parquet(*paths)


def _fill_delete_dates(spark: SparkSession, lake: Location, table: CuratedTable, changes: DataFrame) -> DataFrame:
    """Deletes whose key carries no business date find it in the curated table (pruned to key columns)."""
    known = _curated_dates(lake, table)
    curated = _read_curated(spark, lake, table, known)
    if curated is None:
        return changes
    keys = curated.select(*table.primary_key, F.col(PARTITION_DATE).alias("_known_date")).distinct()
    return (
        changes.join(keys, list(table.primary_key), "left")
        .withColumn(PARTITION_DATE, F.coalesce(F.col(PARTITION_DATE), F.col("_known_date")))
        .drop("_known_date")
    )


def _curated_dates(lake: Location, table: CuratedTable) -> list[date]:
    names = lake.list_dirs(CURATED, table.name)
    return sorted(date.fromisoformat(n.split("=", 1)[1]) for n in names if n.startswith(f"{PARTITION_DATE}="))


def _input_checks(table: CuratedTable, raw: DataFrame) -> list[quality.Check]:
    """The raw files hold this table's changes only, in a schema version we speak (one pass)."""
    row = raw.agg(
        F.count(F.lit(1)).alias("rows"),
        F.sum((F.col("table") != table.name).cast("int")).alias("foreign"),
        F.sum((F.col("schema_version") != CDC_SCHEMA_VERSION).cast("int")).alias("bad_version"),
    ).collect()[0]
    return [
        quality.equal(table.name, "raw rows of other tables", row["foreign"] or 0, 0),
        quality.equal(table.name, f"raw rows with schema_version != {CDC_SCHEMA_VERSION}", row["bad_version"] or 0, 0),
    ]


def _dates_and_counts(df: DataFrame) -> dict[date | None, tuple[int, int]]:
    """{partition date: (rows, deletes)} in one pass."""
    rows = df.groupBy(PARTITION_DATE).agg(F.count(F.lit(1)), F.sum((F.col("_op") == "d").cast("int"))).collect()
    return {r[0]: (int(r[1]), int(r[2] or 0)) for r in rows}


def _write_and_check(
    spark: SparkSession,
    lake: Location,
    table: CuratedTable,
    latest: DataFrame,
    touched: Sequence[date],
    result: TableResult,
    checks: list[quality.Check],
) -> None:
    """Write the current state of the touched partitions, drop emptied ones, verify by reading back."""
    per_date = _dates_and_counts(latest)
    result.keys = sum(n for n, _ in per_date.values())
    result.deleted = sum(d for _, d in per_date.values())
    written_dates = sorted(d for d, (n, deleted) in per_date.items() if d is not None and n > deleted)
    if written_dates:
        (
            current_state(latest, table)
            .repartition(PARTITION_DATE)
            .write.mode("overwrite")
            .partitionBy(PARTITION_DATE)
            .parquet(lake.spark_uri(CURATED, table.name))
        )
    all_dates = set(touched) | {d for d in per_date if d is not None}
    for day in sorted(all_dates - set(written_dates)):
        lake.delete_dir(CURATED, table.name, f"{PARTITION_DATE}={day.isoformat()}")
    result.dates = [d.isoformat() for d in sorted(all_dates)]
    back = _read_curated(spark, lake, table, written_dates)
    if back is not None:
        written = quality.profile(back, table.primary_key, [PARTITION_DATE])
        result.rows_written = written.rows
        checks += written.checks(table.name)
    checks.append(
        quality.equal(
            table.name, "rows written == keys in - keys deleted", result.rows_written, result.keys - result.deleted
        )
    )
    quality.enforce(checks)


def compact_incremental(spark: SparkSession, lake: Location, table: CuratedTable, lookback_days: int) -> TableResult:
    result = TableResult(table=table.name, mode="incremental")
    state = read_state(lake, STATE, _state_key(table))
    seen: dict[str, int] = state.get("files", {})
    newest = date.fromisoformat(state["newest_date"]) if state.get("newest_date") else None
    since = newest - timedelta(days=lookback_days) if newest else None
    candidates = list_raw_files(lake, table.name, since)
    new = [f for f in candidates if seen.get(f.key) != f.size]
    result.files = len(new)
    if not new:
        log.info("compact.nothing_new", table=table.name, since=str(since))
        return result
    raw = _read_raw(spark, lake, new)
    checks = _input_checks(table, raw)
    changes = add_partition_date(parse_changes(raw, table), table).persist(StorageLevel.MEMORY_AND_DISK)
    by_date = _dates_and_counts(changes)
    if None in by_date:  # deletes of keys created in an earlier batch: find their partition
        filled = _fill_delete_dates(spark, lake, table, changes).where(F.col(PARTITION_DATE).isNotNull())
        changes.unpersist()
        changes = filled.persist(StorageLevel.MEMORY_AND_DISK)
        by_date = _dates_and_counts(changes)
    result.changes = sum(n for n, _ in by_date.values())
    touched = sorted(d for d in by_date if d is not None)
    existing = _read_curated(spark, lake, table, touched)
    merged = changes if existing is None else changes.unionByName(as_state(existing))
    latest = latest_per_key(merged, table).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        _write_and_check(spark, lake, table, latest, touched, result, checks)
    finally:
        latest.unpersist()
        changes.unpersist()
    newest_now = max(f.date for f in new) if newest is None else max(newest, *(f.date for f in new))
    keep_from = newest_now - timedelta(days=lookback_days)
    files = {k: v for k, v in seen.items() if _key_date(k) >= keep_from}
    files.update({f.key: f.size for f in new})
    write_state(lake, {"newest_date": newest_now.isoformat(), "files": files}, STATE, _state_key(table))
    return result


def _key_date(key: str) -> date:
    part = next(p for p in key.split("/") if p.startswith("date="))
    return date.fromisoformat(part.removeprefix("date="))


def compact_backfill(spark: SparkSession, lake: Location, table: CuratedTable, first: date, last: date) -> TableResult:
    """Rebuild business dates [first, last] from every raw change committed since the day before ``first``.

    Rows of those dates can only have been changed after they were created, so older raw partitions
    are never needed; the day before catches rows created just before midnight and committed after it.
    """
    result = TableResult(table=table.name, mode="backfill")
    files = list_raw_files(lake, table.name, first - timedelta(days=1))
    result.files = len(files)
    present = [d for d in _curated_dates(lake, table) if first <= d <= last]
    if not files:
        for day in present:
            lake.delete_dir(CURATED, table.name, f"{PARTITION_DATE}={day.isoformat()}")
        result.dates = [d.isoformat() for d in present]
        return result
    raw = _read_raw(spark, lake, files)
    parsed = parse_changes(raw, table)
    changes = add_partition_date(parsed, table).where(F.col(PARTITION_DATE).between(first, last))
    changes = changes.persist(StorageLevel.MEMORY_AND_DISK)
    checks = _input_checks(table, raw)
    result.changes = sum(n for n, _ in _dates_and_counts(changes).values())
    latest = latest_per_key(changes, table).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        _write_and_check(spark, lake, table, latest, present, result, checks)
    finally:
        latest.unpersist()
        changes.unpersist()
    return result


def run(
    spark: SparkSession,
    platform: PlatformSettings,
    settings: PipelineSettings,
    tables: Sequence[str] | None = None,
    backfill: tuple[date, date] | None = None,
) -> CompactionResult:
    """Compact every selected table. Tables are independent (own raw files, state and partitions), so
    ``PIZZA_PIPELINES_SPARK_JOB_THREADS`` of them run at once on the one session: on small inputs each Spark job is
    mostly driver-side planning and scheduling, which then overlaps with another table's tasks."""
    lake = location(platform.lake, settings)
    selected = [CURATED_TABLES[name] for name in (tables or CURATED_TABLES)]

    def one(table: CuratedTable) -> TableResult:
        if not raw_dates(lake, table.name):
            log.info("compact.no_raw_data", table=table.name)
            return TableResult(table=table.name, mode="none")
        started = time.monotonic()
        if backfill:
            res = compact_backfill(spark, lake, table, *backfill)
        else:
            res = compact_incremental(spark, lake, table, settings.compaction_lookback_days)
        log.info("compact.table_done", seconds=round(time.monotonic() - started, 2), **asdict(res))
        return res

    with ThreadPoolExecutor(max_workers=settings.spark_job_threads, thread_name_prefix="compact") as pool:
        results = list(pool.map(one, selected))  # re-raises the first table's failure
    return CompactionResult(tables={r.table: r for r in results})


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="compact_curated", description=__doc__.split("\n")[0])
    parser.add_argument("--tables", help="comma-separated curated tables (default: all)")
    parser.add_argument("--from-date", type=date.fromisoformat, help="backfill: first business date")
    parser.add_argument("--to-date", type=date.fromisoformat, help="backfill: last business date")
    args = parser.parse_args(argv)
    if (args.from_date is None) != (args.to_date is None):
        parser.error("--from-date and --to-date go together")
    if args.tables:
        unknown = set(args.tables.split(",")) - set(CURATED_TABLES)
        if unknown:
            parser.error(f"unknown tables {sorted(unknown)}; known: {sorted(CURATED_TABLES)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    configure_logging()
    args = parse_args(argv)
    settings = get_pipeline_settings()
    spark = get_spark(settings, "compact_curated")
    result = run(
        spark,
        get_platform_settings(),
        settings,
        tables=args.tables.split(",") if args.tables else None,
        backfill=(args.from_date, args.to_date) if args.from_date else None,
    )
    print(json.dumps({k: asdict(v) for k, v in result.tables.items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
