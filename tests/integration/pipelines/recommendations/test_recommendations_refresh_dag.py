"""The ``recommendations_refresh`` DAG's wiring. Its run is covered elsewhere: the steps themselves in
test_refresh.py, and the DAG under the real scheduler by the demo (tests/e2e/test_demo_small.py).

Airflow runs in a subprocess with its own AIRFLOW_HOME and SQLite metadata database, so the test session's
environment and the developer's ``~/airflow`` are never touched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[4]
DAG_FILE = REPO / "dags" / "recommendations_refresh.py"
SCRIPT = """
import json, sys
from airflow.dag_processing.dagbag import DagBag

bag = DagBag(dag_folder=sys.argv[1])
report = {"errors": {k: str(v) for k, v in bag.import_errors.items()}}
dag = bag.dags.get("recommendations_refresh")
if dag is not None:
    report["tags"] = sorted(dag.tags)
    report["schedule"] = str(dag.schedule)
    report["catchup"] = dag.catchup
    report["tasks"] = {
        t.task_id: {
            "retries": t.retries,
            "timeout_s": t.execution_timeout.total_seconds() if t.execution_timeout else None,
            "downstream": sorted(t.downstream_task_ids),
        }
        for t in dag.tasks
    }
print("REPORT " + json.dumps(report), flush=True)
"""


def airflow_env(home: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAG_FILE.parent),
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "PYTHONPATH": str(DAG_FILE.parent),  # the DAG processor puts the DAG folder on the path likewise
        **extra,
    }


def inspect_dag(home: Path, mode: str, **extra: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(DAG_FILE), mode],
        cwd=REPO,
        env=airflow_env(home, **extra),
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("REPORT ")]
    assert lines, f"exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    report: dict[str, Any] = json.loads(lines[-1].removeprefix("REPORT "))
    return report


def test_dag_parses_with_daily_schedule_retries_timeouts_and_the_four_steps(tmp_path: Path) -> None:
    report = inspect_dag(tmp_path, "parse")
    assert report["errors"] == {}
    assert report["tags"] == ["marketing", "recommendations", "spark"]
    assert report["catchup"] is False
    assert "1 day" in report["schedule"] or "@daily" in report["schedule"] or "0 0 * * *" in report["schedule"]
    tasks = report["tasks"]
    assert {t: v["downstream"] for t, v in tasks.items()} == {
        "train": ["evaluate"],
        "evaluate": ["gate"],
        "gate": ["publish"],
        "publish": [],
    }
    assert all(v["retries"] >= 2 for v in tasks.values())
    assert all(v["timeout_s"] and v["timeout_s"] > 0 for v in tasks.values())
