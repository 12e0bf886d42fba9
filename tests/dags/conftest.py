"""Airflow for the DAG tests: an AIRFLOW_HOME under the test state folder, SQLite metadata, our dags/.

The environment is set by a session fixture (never at import of project code); test modules import
Airflow only inside tests, after it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pizza.config import REPO_ROOT, PlatformSettings

DAGS = REPO_ROOT / "dags"


@pytest.fixture(scope="session")
def airflow_home(platform_settings: PlatformSettings) -> Iterator[Path]:
    home = platform_settings.state_dir / "airflow-tests"
    home.mkdir(parents=True, exist_ok=True)
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    if str(DAGS) not in sys.path:
        sys.path.append(str(DAGS))
    yield home
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def airflow_db(airflow_home: Path) -> Path:
    """A migrated metadata DB (dag.test() needs it); ``airflow db migrate`` is idempotent."""
    airflow = Path(sys.executable).parent / "airflow"
    subprocess.run([str(airflow), "db", "migrate"], check=True, env=os.environ.copy(), capture_output=True, timeout=300)
    return airflow_home
