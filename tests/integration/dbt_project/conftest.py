"""The dbt project's tests run against a synthetic warehouse built once per session (see warehouse_fixture)."""

from __future__ import annotations

import pytest
from warehouse_fixture import BuiltWarehouse, built_warehouse

from pizza.config import PlatformSettings


@pytest.fixture(scope="session")
def built(platform_settings: PlatformSettings) -> BuiltWarehouse:
    return built_warehouse(platform_settings.state_dir / "analytics")
