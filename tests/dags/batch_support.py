"""Shared by the batch-chain tests (``dag.test()`` here, real Airflow components in
``tests/integration/airflow``): a fresh lake/warehouse/archive for the tasks, synthetic raw CDC planted in
it, and the checks that the warehouse holds exactly what was planted.

Tasks read their settings at run time, so pointing ``PIZZA_LAKE_URL`` and friends at a folder is enough,
for tasks run in-process and for task processes forked by a scheduler started afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from support.environment import environment

from pipelines.io.lakefs import location
from pipelines.settings import PipelineSettings
from pipelines.synthetic.raw_cdc import SyntheticLake, SyntheticSpec, generate, write_raw


def warehouse_file(root: Path) -> Path:
    return root / "warehouse" / "pizza.duckdb"


@contextmanager
def batch_folders(root: Path) -> Iterator[Path]:
    """Point the lake, the warehouse and the archive at ``root`` for the duration (environment restored)."""
    with environment(
        PIZZA_LAKE_URL=str(root / "lake"),
        PIZZA_WAREHOUSE_PATH=str(warehouse_file(root)),
        PIZZA_ARCHIVE_URL=str(root / "archive"),
    ):
        yield root


def plant_raw_cdc(root: Path, spec: SyntheticSpec) -> SyntheticLake:
    """Raw CDC files as the lake sink writes them (with the sink's at-least-once duplicates)."""
    batch = generate(spec)
    lake = location(str(root / "lake"), PipelineSettings())
    write_raw(lake, batch.changes)
    write_raw(lake, batch.duplicates)
    return batch


def assert_lake_schema_matches(root: Path, batch: SyntheticLake) -> None:
    """The loader's ``lake`` schema: every curated table and the facts agree with the generator's truth."""
    orders = batch.expected_rows("orders")
    payments = batch.expected_rows("payments")
    with duckdb.connect(str(warehouse_file(root)), read_only=True) as con:
        for table, rows in batch.expected.items():
            assert con.execute(f"SELECT count(*) FROM lake.{table}").fetchone() == (len(rows),), table
        fact = con.execute("SELECT count(*), sum(total_cents) FROM lake.fact_orders").fetchone()
        paid = con.execute("SELECT sum(amount_cents) FROM lake.fact_payments WHERE status = 'SUCCEEDED'").fetchone()
        delivered = con.execute("SELECT count(*) FROM lake.fact_deliveries WHERE is_delivered").fetchone()
    assert fact == (len(orders), sum(o["total_cents"] for o in orders))
    assert paid == (sum(p["amount_cents"] for p in payments if p["status"] == "SUCCEEDED"),)
    assert delivered == (sum(1 for o in orders if o["status"] == "DELIVERED"),)
