"""Every DAG file parses with no import error, no cycle, no DB query and no network connection."""

from __future__ import annotations

import sqlite3  # noqa: F401 - imported before the audit hook, so the hook sees only parse-time connects
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

EXPECTED = {
    "cdc_lake_compaction",
    "partition_maintenance_and_archive",
    "warehouse_load",
    "marts_build",
    "recommendations_refresh",
    "data_retention",
}
DAGS = Path(__file__).resolve().parents[2] / "dags"
FILE_EXCEPTIONS = {"marts_build": "marts_build.py"}  # dbt imports any top-level module named dbt_*

_events: list[tuple[str, tuple[Any, ...]]] = []
_watching = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _watching and event in ("socket.connect", "sqlite3.connect", "socket.getaddrinfo"):
        _events.append((event, args))


sys.addaudithook(_audit)


@pytest.fixture(scope="module")
def dagbag(airflow_home: Path) -> Any:
    global _watching
    from airflow.dag_processing.dagbag import DagBag

    _events.clear()
    _watching = True
    try:
        return DagBag(dag_folder=str(DAGS))
    finally:
        _watching = False


def test_every_dag_file_imports_without_errors(dagbag: Any) -> None:
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) >= EXPECTED


def test_every_dag_is_tagged_retried_time_boxed_acyclic_and_named_after_its_file(dagbag: Any) -> None:
    from airflow.utils.dag_cycle_tester import check_cycle

    problems = []
    for dag_id, dag in dagbag.dags.items():
        check_cycle(dag)
        if not dag.tags:
            problems.append(f"{dag_id}: no tags")
        if Path(dag.fileloc).name != FILE_EXCEPTIONS.get(dag_id, f"{dag_id}.py"):
            problems.append(f"{dag_id}: defined in {Path(dag.fileloc).name}")
        problems += [f"{dag_id}.{t.task_id}: retries {t.retries} < 2" for t in dag.tasks if t.retries < 2]
    assert problems == []


def test_parsing_makes_no_connection_and_no_metadata_query(dagbag: Any) -> None:
    assert _events == [], f"DAG files connected to something at parse time: {_events[:3]}"


@pytest.mark.parametrize("dag_id", sorted(EXPECTED))
def test_batch_dags_are_time_boxed(dagbag: Any, dag_id: str) -> None:
    dag = dagbag.dags[dag_id]
    assert dag.dagrun_timeout is not None
    assert not dag.catchup
    assert dag.max_active_runs == 1, "two overlapping runs would rewrite the same partitions"
    for task in dag.tasks:
        assert task.execution_timeout is not None, f"{task.task_id} has no execution_timeout"


def test_dags_are_chained_by_assets(dagbag: Any) -> None:
    def outlets(dag_id: str) -> set[str]:
        return {o.name for t in dagbag.dags[dag_id].tasks for o in t.outlets}

    def inlets(dag_id: str) -> set[str]:
        schedule = dagbag.dags[dag_id].schedule
        return {asset.name for asset in schedule} if isinstance(schedule, list | tuple) else set()

    assert inlets("warehouse_load") <= outlets("cdc_lake_compaction")
    assert inlets("warehouse_load")
    assert inlets("marts_build") <= outlets("warehouse_load")
    assert inlets("marts_build")
    assert "orders_archive" in outlets("partition_maintenance_and_archive")
