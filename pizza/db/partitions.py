"""Keep the monthly partitions of every shard's partitioned tables (orders, order_items) ahead of time.

pg_partman owns the partition sets (``partman.part_config``, created by the shard migration);
``partman.run_maintenance()`` creates the partitions that fall inside the configured ``premake``
window. It is idempotent and cheap when nothing is due, so the ``pizza partitions ensure`` command
and the scheduled maintenance DAG can both run it as often as they like. Rows that landed in a
default partition are reported: they mean a month had no partition when they were written (move
them with ``partman.partition_data_proc``). Order timestamps come from the application's clock
(UUIDv7 ids), so a host with a wildly wrong clock shows up here rather than in a far-future month.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import psycopg

from pizza.config import PlatformSettings


@dataclass(frozen=True, slots=True)
class PartitionSet:
    shard: str
    parent_table: str
    premake: int
    partitions: int
    newest: str
    covered_until: datetime
    rows_in_default: int


def describe_shard(conn: psycopg.Connection, shard: str) -> list[PartitionSet]:
    """The partition sets of one shard as they are now (no maintenance)."""
    parents = conn.execute("SELECT parent_table, premake FROM partman.part_config ORDER BY parent_table").fetchall()
    # check_default() names each default partition ``<parent>_default`` with its row count.
    defaults = {
        str(table).removesuffix("_default"): int(count)
        for table, count in conn.execute("SELECT * FROM partman.check_default(p_exact_count := true)").fetchall()
    }
    sets = []
    for parent, premake in parents:
        children = conn.execute(
            "SELECT partition_schemaname || '.' || partition_tablename FROM partman.show_partitions(%s, 'DESC')",
            (parent,),
        ).fetchall()
        newest = children[0][0]
        row = conn.execute(
            "SELECT child_end_time FROM partman.show_partition_info(%s, p_parent_table := %s)", (newest, parent)
        ).fetchone()
        assert row is not None
        sets.append(
            PartitionSet(
                shard=shard,
                parent_table=parent,
                premake=premake,
                partitions=len(children),
                newest=newest,
                covered_until=row[0],
                rows_in_default=defaults.get(parent, 0),
            )
        )
    return sets


def ensure_shard(dsn: str, shard: str, *, premake: int | None = None) -> list[PartitionSet]:
    """Run pg_partman maintenance on one shard (optionally widening ``premake``) and describe the result."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        if premake is not None:
            conn.execute("UPDATE partman.part_config SET premake = %s WHERE premake <> %s", (premake, premake))
        conn.execute("SELECT partman.run_maintenance(p_analyze := false, p_jobmon := false)")
        return describe_shard(conn, shard)


def ensure_partitions(
    settings: PlatformSettings,
    *,
    premake: int | None = None,
    progress: Callable[[str], None] = lambda _msg: None,
) -> list[PartitionSet]:
    """Run maintenance on every configured shard, in name order."""
    results: list[PartitionSet] = []
    for shard, dsn in sorted(settings.shards.items()):
        sets = ensure_shard(dsn, shard, premake=premake)
        for s in sets:
            progress(f"{shard}: {s.parent_table} has {s.partitions} partitions up to {s.covered_until:%Y-%m-%d}")
        results.extend(sets)
    return results
