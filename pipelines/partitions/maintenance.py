"""Keep monthly partitions ahead on a shard (pg_partman's ``run_maintenance``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import psycopg

PARTITIONED = {"orders": "created_at", "order_items": "order_created_at"}
_SUFFIX = re.compile(r"_p(\d{4})_(\d{2})$")


@dataclass(frozen=True, order=True)
class MonthPartition:
    parent: str
    month: date  # first day of the month
    name: str


def month_partitions(conn: psycopg.Connection, parent: str) -> list[MonthPartition]:
    """Attached monthly partitions of ``public.<parent>`` (the default partition is not one)."""
    rows = conn.execute(
        """
        SELECT c.relname
          FROM pg_inherits i
          JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = %s::regclass
        """,
        (f"public.{parent}",),
    ).fetchall()
    out = []
    for (name,) in rows:
        match = _SUFFIX.search(name)
        if match:
            out.append(MonthPartition(parent, date(int(match[1]), int(match[2]), 1), name))
    return sorted(out)


def create_partitions_ahead(dsn: str) -> dict[str, list[str]]:
    """Run pg_partman maintenance for both tables; return the partitions each has afterwards."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for parent in PARTITIONED:
            conn.execute("SELECT partman.run_maintenance(%s)", (f"public.{parent}",))
        return {parent: [p.name for p in month_partitions(conn, parent)] for parent in PARTITIONED}
