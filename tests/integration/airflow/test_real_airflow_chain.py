"""The batch chain in real Airflow: api-server, scheduler, dag-processor and triggerer as separate
processes (LocalExecutor), metadata in the stack's Postgres, driven over REST as ``pizza airflow run`` does.

Unlike ``dag.test()`` (tests/dags), this runs every task under Airflow's task supervisor and lets the
scheduler start ``warehouse_load`` and ``marts_build`` on asset events, so a crash of the supervisor or a
broken asset chain fails here.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import psutil
import psycopg
import pytest
from batch_support import assert_lake_schema_matches, batch_folders, plant_raw_cdc, warehouse_file
from rich.console import Console

from pipelines.settings import AirflowSettings
from pipelines.synthetic.raw_cdc import SyntheticSpec
from pizza.config import PlatformSettings
from pizzactl.cli.airflow import BATCH_CHAIN, METADATA_DATABASE, AirflowApi, metadata_url, run_demo_dags, stop

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PORT = int(os.environ.get("PIZZA_TEST_PORT_BASE", "25000")) + 80


def _groups_alive(pgids: set[int]) -> set[int]:
    """Process groups with a member left (the components, their task processes and Spark JVMs)."""
    return {p.pid for p in psutil.process_iter() if _pgid(p.pid) in pgids}


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


@pytest.fixture
def airflow_settings(stack: PlatformSettings) -> Iterator[AirflowSettings]:
    """Airflow on the test port, Postgres metadata; every component's process group gone afterwards."""
    settings = AirflowSettings(port=PORT, parallelism=2, dags_paused_at_creation=True)
    assert metadata_url(stack, settings).startswith("postgresql+psycopg://")
    try:
        yield settings
    finally:
        home = stack.state_dir / "airflow"
        pgids = {g for f in home.glob("*.pid") if (g := _pgid(int(f.read_text().split()[0])))}
        stop(stack)
        deadline = time.monotonic() + 30
        while _groups_alive(pgids) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not _groups_alive(pgids), "Airflow processes left behind"


def test_batch_chain_runs_to_success_in_real_airflow(
    stack: PlatformSettings, airflow_settings: AirflowSettings, tmp_path: Path
) -> None:
    with batch_folders(tmp_path) as root:
        batch = plant_raw_cdc(root, SyntheticSpec(orders=40, days=2, restaurants=4, seed=23))
        started = time.monotonic()
        states = run_demo_dags(Console(), extra=(), platform=stack, settings=airflow_settings, timeout=420)
        chain_seconds = time.monotonic() - started

    assert states == dict.fromkeys(BATCH_CHAIN, "success")
    with psycopg.connect(stack.local_dsn("postgres")) as conn:
        assert conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (METADATA_DATABASE,)).fetchone()
    api = AirflowApi(stack, airflow_settings)
    for dag_id in BATCH_CHAIN:
        run = api.latest_run(dag_id)
        assert run is not None
        assert run["state"] == "success", dag_id
        print(f"{dag_id}: {run['start_date']} -> {run['end_date']}")
    print(f"chain (start, trigger, wait): {chain_seconds:.0f}s")

    assert_lake_schema_matches(root, batch)
    planted = {str(o["order_id"]) for o in batch.expected_rows("orders")}
    with duckdb.connect(str(warehouse_file(root)), read_only=True) as con:
        in_marts = {str(r[0]) for r in con.execute("SELECT order_id FROM marts.fct_orders").fetchall()}
        placed = con.execute("SELECT sum(orders_placed) FROM marts.revenue_daily").fetchone()
    assert in_marts == planted
    assert placed == (len(planted),)
