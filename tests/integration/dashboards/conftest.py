"""Dashboards are tested over marts built by dbt from the synthetic warehouse of the dbt project's tests.

The builder lives beside the dbt project's tests; it caches its build per process, so running both test
folders in one session builds the warehouse once.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dbt_project"))

from warehouse_fixture import BuiltWarehouse, built_warehouse

from dashboards.settings import get_dashboard_settings
from pizza.config import PlatformSettings

APP = Path(__file__).resolve().parents[3] / "dashboards" / "app.py"


@pytest.fixture(scope="session")
def built(platform_settings: PlatformSettings) -> BuiltWarehouse:
    return built_warehouse(platform_settings.state_dir / "analytics")


@pytest.fixture
def point_at(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    """Make the dashboards read the marts snapshot at a path (settings are re-read)."""

    def point(snapshot: Path) -> None:
        monkeypatch.setenv("PIZZA_DASHBOARDS_MARTS_PATH", str(snapshot))
        get_dashboard_settings.cache_clear()

    yield point
    get_dashboard_settings.cache_clear()


@pytest.fixture
def marts(built: BuiltWarehouse, point_at: Callable[[Path], None]) -> BuiltWarehouse:
    point_at(built.snapshot)
    return built
