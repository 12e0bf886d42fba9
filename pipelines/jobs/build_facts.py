"""Build the daily facts (orders, payments, deliveries) for a set of order dates from the curated tables.

A fact row belongs to the date of its order, so rebuilding a date rewrites every fact that depends on
it; status changes and payments are looked for up to ``PIZZA_PIPELINES_FACTS_LOOKAHEAD_DAYS`` after that date.
Idempotent: the same dates rebuilt twice give the same partitions.

    python -m pipelines.jobs.build_facts --from-date 2026-01-01 --to-date 2026-01-31
    python -m pipelines.jobs.build_facts --all
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from urllib.parse import unquote

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from pipelines import quality
from pipelines.io.lakefs import Location, location
from pipelines.io.raw import days
from pipelines.settings import PipelineSettings, get_pipeline_settings
from pipelines.spark import get_spark
from pipelines.transforms.facts import fact_deliveries, fact_orders, fact_payments
from pipelines.transforms.types import spark_schema
from pizza.config import PlatformSettings, get_platform_settings
from pizza.contracts.curated import (
    FACT_DELIVERIES,
    FACT_ORDERS,
    FACT_PAYMENTS,
    ORDER_ITEMS,
    ORDER_STATUS_HISTORY,
    ORDERS,
    PARTITION_DATE,
    PAYMENTS,
    CuratedTable,
    FactTable,
)
from pizza.contracts.lake import CURATED, FACTS
from pizza.logs import configure_logging, get_logger

log = get_logger(__name__)


@dataclass
class FactsResult:
    dates: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def fact_dates_for(touched: dict[str, list[str]], lookahead_days: int) -> list[date]:
    """Order dates whose facts a compaction run may have changed.

    Orders and items carry the order's date; a status change or payment on day D belongs to an order of
    D or of up to ``lookahead_days`` before it.
    """
    dates: set[date] = set()
    for table, values in touched.items():
        for value in values:
            day = date.fromisoformat(value)
            if table in (ORDERS.name, ORDER_ITEMS.name):
                dates.add(day)
            elif table in (ORDER_STATUS_HISTORY.name, PAYMENTS.name):
                dates.update(day - timedelta(days=n) for n in range(lookahead_days + 1))
    return sorted(dates)


def _partition_dates(lake: Location, *parts: str) -> list[date]:
    names = lake.list_dirs(*parts)
    return sorted(date.fromisoformat(n.split("=", 1)[1]) for n in names if n.startswith(f"{PARTITION_DATE}="))


def _read(spark: SparkSession, lake: Location, table: CuratedTable, dates: Iterable[date]) -> DataFrame:
    """Curated rows of the given partitions; an empty frame of the right shape when none exists."""
    wanted = set(dates)
    present = [d for d in _partition_dates(lake, CURATED, table.name) if d in wanted]
    schema = spark_schema(table.columns)
    if not present:
        return spark.createDataFrame([], schema)
    base = lake.spark_uri(CURATED, table.name)
    paths = [f"{base}/{PARTITION_DATE}={d.isoformat()}" for d in present]
    return spark.read.schema(schema).option("basePath", base).parquet(*paths)


def _read_fact(spark: SparkSession, lake: Location, fact: FactTable, dates: Iterable[date]) -> DataFrame | None:
    present = [d for d in _partition_dates(lake, FACTS, fact.name) if d in set(dates)]
    if not present:
        return None
    base = lake.spark_uri(FACTS, fact.name)
    paths = [f"{base}/{PARTITION_DATE}={d.isoformat()}" for d in present]
    return spark.read.schema(spark_schema(fact.columns)).option("basePath", base).parquet(*paths)


def _write(lake: Location, fact: FactTable, df: DataFrame, dates: Sequence[date]) -> dict[tuple[date, str], int]:
    """Overwrite the (date, city) partitions present in ``df``; remove the ones of ``dates`` it no longer has."""
    counts = {(r[0], r[1]): int(r[2]) for r in df.groupBy(*fact.partition_by).count().collect()}
    if counts:
        df.repartition(*fact.partition_by).write.mode("overwrite").partitionBy(*fact.partition_by).parquet(
            lake.spark_uri(FACTS, fact.name)
        )
    for day in dates:
        day_dir = f"{PARTITION_DATE}={day.isoformat()}"
        cities = {c for d, c in counts if d == day}
        if not cities:
            lake.delete_dir(FACTS, fact.name, day_dir)
            continue
        for folder in lake.list_dirs(FACTS, fact.name, day_dir):
            if unquote(folder.split("=", 1)[1]) not in cities:
                lake.delete_dir(FACTS, fact.name, day_dir, folder)
    return counts


def run(
    spark: SparkSession, platform: PlatformSettings, settings: PipelineSettings, dates: Sequence[date]
) -> FactsResult:
    started = time.monotonic()
    lake = location(platform.lake, settings)
    result = FactsResult(dates=[d.isoformat() for d in sorted(dates)])
    if not dates:
        return result
    window = sorted({d + timedelta(days=n) for d in dates for n in range(settings.facts_lookahead_days + 1)})
    orders = _read(spark, lake, ORDERS, dates).persist(StorageLevel.MEMORY_AND_DISK)
    items = _read(spark, lake, ORDER_ITEMS, dates)
    history = _read(spark, lake, ORDER_STATUS_HISTORY, window)
    payments = _read(spark, lake, PAYMENTS, window)

    orders_fact = fact_orders(orders, items, history).persist(StorageLevel.MEMORY_AND_DISK)
    outputs: list[tuple[FactTable, DataFrame]] = [
        (FACT_ORDERS, orders_fact),
        (FACT_PAYMENTS, fact_payments(payments, orders)),
        (FACT_DELIVERIES, fact_deliveries(orders_fact)),
    ]
    expected_in = orders.agg(F.count(F.lit(1)), F.sum("total_cents")).collect()[0]

    def write_and_profile(output: tuple[FactTable, DataFrame]) -> tuple[int, list[quality.Check]]:
        fact, df = output
        counts = _write(lake, fact, df, dates)
        back = _read_fact(spark, lake, fact, dates)
        written = quality.profile(back, fact.key, fact.partition_by) if back is not None else None
        rows = written.rows if written else 0
        found = [quality.equal(fact.name, "rows read back == rows built", rows, sum(counts.values()))]
        return rows, found + (written.checks(fact.name) if written else [])

    checks: list[quality.Check] = []
    try:
        # The facts are written to separate folders: on small inputs their Spark jobs overlap well.
        with ThreadPoolExecutor(max_workers=settings.spark_job_threads, thread_name_prefix="facts") as pool:
            for (fact, _), (rows, found) in zip(outputs, pool.map(write_and_profile, outputs), strict=True):
                result.rows[fact.name] = rows
                checks += found
        back_orders = _read_fact(spark, lake, FACT_ORDERS, dates)
        total = back_orders.agg(F.sum("total_cents")).collect()[0][0] if back_orders is not None else None
        rows_out = result.rows[FACT_ORDERS.name]
        checks.append(quality.equal(FACT_ORDERS.name, "orders in == fact rows", rows_out, expected_in[0]))
        checks.append(quality.equal(FACT_ORDERS.name, "sum(total_cents) reconciles", total, expected_in[1]))
        quality.enforce(checks)
    finally:
        orders_fact.unpersist()
        orders.unpersist()
    result.seconds = round(time.monotonic() - started, 2)
    log.info("facts.done", **asdict(result))
    return result


def all_order_dates(platform: PlatformSettings, settings: PipelineSettings) -> list[date]:
    return _partition_dates(location(platform.lake, settings), CURATED, ORDERS.name)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="build_facts", description=__doc__.split("\n")[0])
    parser.add_argument("--from-date", type=date.fromisoformat)
    parser.add_argument("--to-date", type=date.fromisoformat)
    parser.add_argument("--all", action="store_true", help="every order date in the curated lake")
    args = parser.parse_args(argv)
    if not args.all and (args.from_date is None or args.to_date is None):
        parser.error("give --from-date and --to-date, or --all")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    configure_logging()
    args = parse_args(argv)
    platform, settings = get_platform_settings(), get_pipeline_settings()
    dates = all_order_dates(platform, settings) if args.all else days(args.from_date, args.to_date)
    result = run(get_spark(settings, "build_facts"), platform, settings, dates)
    print(json.dumps(asdict(result), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
