"""The assets that chain the DAGs: one producer task each, consumers scheduled on them.

URIs are logical (``x-pizza://``) because where the lake and warehouse live is configuration, and DAG
files read no configuration at parse time; each asset event carries the real location in its ``extra``.
"""

from __future__ import annotations

from airflow.sdk import Asset

CURATED = Asset(name="lake_curated", uri="x-pizza://lake/curated", group="lake")
FACTS = Asset(name="lake_facts", uri="x-pizza://lake/facts", group="lake")
WAREHOUSE = Asset(name="warehouse_lake", uri="x-pizza://warehouse/lake", group="warehouse")
MARTS = Asset(name="warehouse_marts", uri="x-pizza://warehouse/marts", group="warehouse")
ARCHIVE = Asset(name="orders_archive", uri="x-pizza://archive/orders", group="archive")
