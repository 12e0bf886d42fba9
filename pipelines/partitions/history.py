"""Order history of archived months stays readable: DuckDB over the archive's Parquet files.

The archive keeps the Postgres rows exactly (same columns; uuid/jsonb/char as text; contact fields
sealed), partitioned by ``shard=`` and ``month=``. ``order_history`` answers "a user's orders with their
items" across archived months; the API keeps serving hot months from the shards and can merge both for
a full history.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa
import pyarrow.dataset as pads

from pipelines.io.lakefs import Location

HIVE = pads.partitioning(pa.schema([("shard", pa.string()), ("month", pa.string())]), flavor="hive")


def archived_dataset(archive: Location, table: str) -> pads.Dataset | None:
    if not archive.exists(table):
        return None
    return pads.dataset(archive.path(table), filesystem=archive.fs, format="parquet", partitioning=HIVE)


def archived_months(archive: Location, table: str = "orders") -> list[tuple[str, date]]:
    """(shard, month) pairs present in the archive."""
    out = []
    for shard_dir in archive.list_dirs(table):
        for month_dir in archive.list_dirs(table, shard_dir):
            month = date.fromisoformat(month_dir.removeprefix("month=") + "-01")
            out.append((shard_dir.removeprefix("shard="), month))
    return sorted(out)


def query_archive(archive: Location, query: str, params: list[object] | None = None) -> pa.Table:
    """Run SQL over views ``orders`` and ``order_items`` of the archive (empty result if nothing archived)."""
    with duckdb.connect() as con:
        for table in ("orders", "order_items"):
            dataset = archived_dataset(archive, table)
            if dataset is None:
                return pa.table({})
            con.register(table, dataset)
        return con.sql(query, params=params or []).to_arrow_table()


def order_history(archive: Location, user_id: str) -> pa.Table:
    """A user's archived orders, newest first, each with its item count and lines as a list."""
    return query_archive(
        archive,
        """
        SELECT o.order_id, o.created_at, o.status, o.total_cents, o.currency, o.city, o.shard, o.month,
               count(i.line_no) AS lines, list(i.name ORDER BY i.line_no) AS items
          FROM orders o LEFT JOIN order_items i ON i.order_id = o.order_id AND i.shard = o.shard
         WHERE o.user_id = ?
         GROUP BY ALL
         ORDER BY o.created_at DESC
        """,
        [user_id],
    )
