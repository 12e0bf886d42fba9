"""`pizza airflow up` starts real Airflow components on our dags/; the UI's API lists every batch DAG."""

from __future__ import annotations

import socket

import pytest

from pipelines.settings import AirflowSettings
from pizza.config import PlatformSettings
from pizzactl.cli.airflow import AirflowApi, health, start, stop

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_airflow_up_serves_every_dag_and_down_stops_it(stack: PlatformSettings) -> None:
    platform_settings = stack  # the metadata database lives on the stack's Postgres
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = AirflowSettings(port=port, parallelism=2)
    try:
        pids = start(platform_settings, settings, timeout=240)
        assert set(pids) == {"api-server", "scheduler", "dag-processor", "triggerer"}
        assert health(settings) is not None
        api = AirflowApi(platform_settings, settings)
        for dag_id in ("cdc_lake_compaction", "warehouse_load", "marts_build", "partition_maintenance_and_archive"):
            assert api.wait_for_dag(dag_id, timeout=240), f"{dag_id} not visible in the UI"
    finally:
        stopped = stop(platform_settings)
    assert all(stopped.values())
    assert health(settings) is None
