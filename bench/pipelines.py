"""Compaction and facts on Spark over 1x, 3x and 10x synthetic raw CDC, beside DuckDB doing the same.

Prints, per size: raw change rows, Spark compaction and facts seconds, DuckDB's seconds for the same
transformation on the same files, and whether both engines agree on the row counts. The growth curve of
each engine is the point; DuckDB is the single-process baseline measured in the same run.

    uv run python bench/pipelines.py [--base 2000] [--sizes 1,3,10] [--days 3] [--json PATH]

Its lake is a temporary folder inside its own state folder (``.pizza-bench/pipelines/``; see
bench/stack.py), so nothing reaches the lake, warehouse or marts of the platform in use. It needs no
servers.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

# This script shares its name with the package it measures: keep its own folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import duckdb  # noqa: E402

from bench.results import Figure, Report, add_json_argument  # noqa: E402
from bench.stack import add_stack_arguments, bench_stack  # noqa: E402
from pipelines.io.lakefs import location  # noqa: E402
from pipelines.jobs import build_facts, compact_curated  # noqa: E402
from pipelines.settings import PipelineSettings  # noqa: E402
from pipelines.spark import get_spark  # noqa: E402
from pipelines.synthetic.raw_cdc import SyntheticSpec, generate, write_raw  # noqa: E402
from pizza.config import PlatformSettings  # noqa: E402
from pizza.contracts.curated import CURATED_TABLES, DUCKDB_TYPES  # noqa: E402

TABLES = ("orders", "order_items", "order_status_history", "payments")
WRITES = "nothing on the stack: synthetic raw CDC and the Spark and DuckDB outputs go to a temporary folder"
OP_RANK = "CASE op WHEN 'd' THEN 4 WHEN 'u' THEN 3 WHEN 'c' THEN 2 WHEN 'r' THEN 1 ELSE 0 END"


def duckdb_current_state(con: duckdb.DuckDBPyConnection, lake: Path, table: str) -> int:
    """Latest change per key by lsn, deletes applied: the compaction transform in one SQL statement."""
    spec = CURATED_TABLES[table]
    columns = []
    for name, kind in spec.business_columns.items():
        source = f"json_extract_string(pk, '$.{name}')" if name in spec.primary_key else "NULL"
        value = f"coalesce({source}, json_extract_string(after, '$.{name}'))"
        columns.append(f"CAST({value} AS {DUCKDB_TYPES[kind]}) AS {name}")
    keys = ", ".join(spec.primary_key)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {table} AS
        SELECT * EXCLUDE (op, rn) FROM (
            SELECT {", ".join(columns)}, shard AS _shard, lsn AS _lsn, commit_ts AS _commit_ts, op,
                   row_number() OVER (PARTITION BY {keys} ORDER BY lsn DESC, {OP_RANK} DESC, kafka_offset DESC) AS rn
              FROM read_parquet('{lake}/raw/cdc/{table}/**/*.parquet')
        ) WHERE rn = 1 AND op <> 'd'
        """
    )
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]


def duckdb_fact_orders(con: duckdb.DuckDBPyConnection) -> int:
    con.execute(
        """
        CREATE OR REPLACE TABLE fact_orders AS
        WITH times AS (
            SELECT order_id,
                   min(changed_at) FILTER (WHERE to_status = 'PAID') AS paid_at,
                   min(changed_at) FILTER (WHERE to_status = 'READY') AS ready_at,
                   min(changed_at) FILTER (WHERE to_status = 'PICKED_UP') AS picked_up_at,
                   min(changed_at) FILTER (WHERE to_status = 'DELIVERED') AS delivered_at
              FROM order_status_history GROUP BY order_id),
             items AS (SELECT order_id, sum(quantity) AS item_count FROM order_items GROUP BY order_id)
        SELECT o.order_id, o.city, o.total_cents, o.created_at::DATE AS order_date, t.*, coalesce(i.item_count, 0),
               (epoch_us(t.delivered_at) - epoch_us(o.created_at)) / 60e6 AS placed_to_delivered_minutes
          FROM orders o LEFT JOIN times t USING (order_id) LEFT JOIN items i USING (order_id)
        """
    )
    return int(con.execute("SELECT count(*) FROM fact_orders").fetchone()[0])  # type: ignore[index]


def run_size(
    factor: int, base: int, days: int, spark_settings: PipelineSettings, scratch: Path
) -> dict[str, float | int | bool]:
    with tempfile.TemporaryDirectory(prefix="size-", dir=scratch) as tmp:
        root = Path(tmp)
        platform = PlatformSettings(lake_url=str(root / "lake"), state_dir=root)
        lake = location(platform.lake, spark_settings)
        started = time.perf_counter()
        truth = generate(SyntheticSpec(orders=base * factor, days=days, seed=factor))
        write_raw(lake, truth.changes + truth.duplicates)
        generated = time.perf_counter() - started
        raw_rows = sum(1 for c in truth.changes + truth.duplicates if c.table in TABLES)

        spark = get_spark(spark_settings, "bench")
        started = time.perf_counter()
        compacted = compact_curated.run(spark, platform, spark_settings, tables=list(TABLES))
        spark_compact = time.perf_counter() - started
        started = time.perf_counter()
        facts = build_facts.run(spark, platform, spark_settings, build_facts.all_order_dates(platform, spark_settings))
        spark_facts = time.perf_counter() - started

        with duckdb.connect() as con:
            con.execute("SET TimeZone = 'UTC'")
            started = time.perf_counter()
            duck_rows = {t: duckdb_current_state(con, root / "lake", t) for t in TABLES}
            duck_compact = time.perf_counter() - started
            started = time.perf_counter()
            duck_facts = duckdb_fact_orders(con)
            duck_facts_s = time.perf_counter() - started
        agree = all(duck_rows[t] == compacted.tables[t].rows_written for t in TABLES)
        return {
            "factor": factor,
            "orders": base * factor,
            "raw_rows": raw_rows,
            "generate_s": generated,
            "spark_compact_s": spark_compact,
            "spark_facts_s": spark_facts,
            "duckdb_compact_s": duck_compact,
            "duckdb_facts_s": duck_facts_s,
            "agree": agree and duck_facts == facts.rows["fact_orders"],
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", type=int, default=2000, help="orders at 1x")
    parser.add_argument("--sizes", default="1,3,10")
    parser.add_argument("--days", type=int, default=3)
    add_stack_arguments(parser)
    add_json_argument(parser)
    args = parser.parse_args()
    factors = [int(s) for s in args.sizes.split(",")]
    report = Report("pipelines", {"base": args.base, "sizes": factors, "days": args.days})
    with bench_stack("pipelines", args, services=(), writes=WRITES) as platform:
        scratch = platform.state_dir / "scratch"
        scratch.mkdir(parents=True, exist_ok=True)
        settings = PipelineSettings()
        started = time.perf_counter()
        get_spark(settings, "bench")
        startup = time.perf_counter() - started
        print(f"Spark session start ({settings.spark_master}): {startup:.1f} s (not in the figures)")
        report.notes["spark_session_start_s"] = startup
        run_size(1, max(50, args.base // 10), args.days, settings, scratch)  # warm-up: JIT and caches, not printed
        header = f"{'size':>5} {'orders':>7} {'raw rows':>9} | {'spark compact':>13} {'spark facts':>11} | "
        header += f"{'duckdb compact':>14} {'duckdb facts':>12} | agree"
        print(header)
        for factor in factors:
            r = run_size(factor, args.base, args.days, settings, scratch)
            print(
                f"{r['factor']:>4}x {r['orders']:>7} {r['raw_rows']:>9} | {r['spark_compact_s']:>12.1f}s "
                f"{r['spark_facts_s']:>10.1f}s | {r['duckdb_compact_s']:>13.2f}s {r['duckdb_facts_s']:>11.2f}s | "
                f"{r['agree']}",
                flush=True,
            )
            params = {"factor": factor, "orders": r["orders"], "raw_rows": r["raw_rows"], "engines_agree": r["agree"]}
            report.add(Figure("Spark compaction", float(r["spark_compact_s"]), "s", "DuckDB, same transformation",
                              float(r["duckdb_compact_s"]), higher_is_better=False, params=params))  # fmt: skip
            report.add(Figure("Spark facts", float(r["spark_facts_s"]), "s", "DuckDB, same transformation",
                              float(r["duckdb_facts_s"]), higher_is_better=False, params=params))  # fmt: skip
    report.write(args.json)


if __name__ == "__main__":
    main()
