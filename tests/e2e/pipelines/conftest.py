"""Airflow and a CDC relay for the batch end-to-end test (env set in fixtures, never at import)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.environment import environment

from pizza.config import REPO_ROOT, PlatformSettings
from streaming.consumers.cdc_to_lake.app import LakeSinkApp
from streaming.relay.app import CdcRelay, build_relay
from streaming.relay.status import drop_slots
from streaming.settings import CdcSettings, LakeSinkSettings
from streaming.sinks.lake_store import LakeStore

DAGS = REPO_ROOT / "dags"


@pytest.fixture(scope="module")
def batch_env(stack: PlatformSettings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Airflow home + metadata DB, and the lake/warehouse the tasks read at run time, in a fresh folder."""
    root = tmp_path_factory.mktemp("e2e-batch")
    home = stack.state_dir / "airflow-e2e"
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "PIZZA_LAKE_URL": str(root / "lake"),
        "PIZZA_WAREHOUSE_PATH": str(root / "warehouse" / "pizza.duckdb"),
    }
    with environment(**env):
        home.mkdir(parents=True, exist_ok=True)
        if str(DAGS) not in sys.path:
            sys.path.append(str(DAGS))
        airflow = Path(sys.executable).parent / "airflow"
        subprocess.run([str(airflow), "db", "migrate"], check=True, env=os.environ.copy(), capture_output=True)
        yield root


def drain_to_lake(stack: PlatformSettings, lake: Path, **settings: Any) -> None:
    """Run the lake sink over the cdc.* topics until it has been idle for 3 s."""
    sink_settings = LakeSinkSettings(
        group_id=f"e2e-lake-{uuid.uuid4().hex[:10]}", max_age_s=0.5, metadata_refresh_ms=1000, poll_timeout_s=0.2,
        session_timeout_ms=2000, **settings,
    )  # fmt: skip
    sink = LakeSinkApp(stack, sink_settings, LakeStore(str(lake)))
    try:
        sink.run(idle_exit_s=3)
    finally:
        sink.close()


@pytest.fixture(scope="session")
def sink_to_lake() -> Callable[..., None]:
    """``sink_to_lake(stack, lake, **settings)``: what CDC published so far, written to the lake."""
    return drain_to_lake


@pytest.fixture
def relay(stack: PlatformSettings) -> Iterator[CdcRelay]:
    """A relay on slots of its own: what is written from now on reaches the cdc.* topics."""
    settings = CdcSettings(
        slot_prefix=f"e2e_{uuid.uuid4().hex[:10]}",
        poll_interval_s=0.05,
        standby_retry_s=0.2,
        producer={"linger.ms": "1"},
    )
    relay = build_relay(stack, settings)
    relay.run(until_idle=True)
    yield relay
    relay.close()
    drop_slots(stack, settings)
