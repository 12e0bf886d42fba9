"""The feed and the run metrics in the DuckDB warehouse (schema ``lake``), written without holding the file.

DuckDB allows one writer and dbt needs the file too, so every call opens, writes in one transaction and
closes; a lock held by someone else (a running ``dbt build``) is waited out with retries.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.dataset as ds
from tenacity import retry, retry_if_exception, stop_after_delay, wait_exponential

from pizza.contracts.curated import DUCKDB_TYPES, WAREHOUSE_SCHEMA, Columns
from pizza.contracts.recommendations import FEED_COLUMNS, FEED_TABLE, RUN_COLUMNS, RUNS_TABLE
from pizza.logs import get_logger

log = get_logger(__name__)


def _is_lock_error(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def _ddl(table: str, columns: Columns) -> str:
    body = ", ".join(f"{name} {DUCKDB_TYPES[kind]}" for name, kind in columns.items())
    return f"CREATE TABLE IF NOT EXISTS {WAREHOUSE_SCHEMA}.{table} ({body})"


@contextmanager
def _transaction(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _connect(path)
    try:
        con.execute("BEGIN")
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {WAREHOUSE_SCHEMA}")
        con.execute(_ddl(RUNS_TABLE, RUN_COLUMNS))
        yield con
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.close()


@retry(
    retry=retry_if_exception(_is_lock_error),
    wait=wait_exponential(multiplier=0.5, max=15),
    stop=stop_after_delay(300),
    reraise=True,
)
def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path))


def record_run(path: Path, rows: list[dict[str, Any]]) -> None:
    """Store a run's metrics (one row per item type); a rerun of the same run replaces its rows."""
    names = list(RUN_COLUMNS)
    with _transaction(path) as con:
        con.execute(f"DELETE FROM {WAREHOUSE_SCHEMA}.{RUNS_TABLE} WHERE run_id = ?", [rows[0]["run_id"]])
        placeholders = ", ".join("?" for _ in names)
        con.executemany(
            f"INSERT INTO {WAREHOUSE_SCHEMA}.{RUNS_TABLE} ({', '.join(names)}) VALUES ({placeholders})",
            [[row.get(n) for n in names] for row in rows],
        )


def publish_feed(path: Path, feed: ds.Dataset, run_id: str) -> int:
    """Replace ``lake.customer_recommendations`` with ``feed`` and mark the run published, atomically."""
    casts = ", ".join(f"CAST({name} AS {DUCKDB_TYPES[kind]}) AS {name}" for name, kind in FEED_COLUMNS.items())
    with _transaction(path) as con:
        con.register("feed_source", feed)
        con.execute(f"CREATE OR REPLACE TABLE {WAREHOUSE_SCHEMA}.{FEED_TABLE} AS SELECT {casts} FROM feed_source")
        con.execute(f"UPDATE {WAREHOUSE_SCHEMA}.{RUNS_TABLE} SET published = true WHERE run_id = ?", [run_id])
        rows = int(con.execute(f"SELECT count(*) FROM {WAREHOUSE_SCHEMA}.{FEED_TABLE}").fetchall()[0][0])
        con.unregister("feed_source")
    log.info("recs.warehouse_published", run_id=run_id, rows=rows, warehouse=str(path))
    return rows
