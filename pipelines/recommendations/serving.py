"""The serving copy of the feed in the catalog database, read by the API's recommendations endpoint.

One transaction per run deletes the previous feed and copies the new one in, so a reader sees either
the old feed or the new one, never a mix, and is never blocked (MVCC). ``recommendation_publications``
records which run is live.
"""

from __future__ import annotations

from collections.abc import Iterable

import psycopg
import pyarrow as pa

from pizza.contracts.recommendations import FEED_COLUMNS, FEED_TABLE
from pizza.logs import get_logger

log = get_logger(__name__)

# serving column <- feed column (the catalog says user_id, the warehouse customer_id)
SERVING_COLUMNS: dict[str, str] = {"user_id": "customer_id", **{c: c for c in FEED_COLUMNS if c != "customer_id"}}


def replace_feed(dsn: str, batches: Iterable[pa.RecordBatch], run_id: str, model_version: str) -> int:
    """Swap the served feed for this run's; returns the number of rows now served."""
    rows = 0
    columns = ", ".join(SERVING_COLUMNS)
    with psycopg.connect(dsn) as conn, conn.transaction():
        conn.execute(f"DELETE FROM {FEED_TABLE}")
        with conn.cursor().copy(f"COPY {FEED_TABLE} ({columns}) FROM STDIN") as copy:
            for batch in batches:
                values = [batch.column(source).to_pylist() for source in SERVING_COLUMNS.values()]
                for row in zip(*values, strict=True):
                    copy.write_row(row)
                rows += batch.num_rows
        conn.execute(
            "INSERT INTO recommendation_publications (run_id, model_version, row_count) VALUES (%s, %s, %s) "
            "ON CONFLICT (run_id) DO UPDATE SET row_count = EXCLUDED.row_count, published_at = now()",
            (run_id, model_version, rows),
        )
    log.info("recs.serving_published", run_id=run_id, rows=rows)
    return rows
