"""Dashboard settings (``PIZZA_DASHBOARDS_*``).

The dashboards never open the warehouse dbt writes to: DuckDB locks its file, and an analyst's open
page would make the next ``dbt build`` fail. ``pizza dbt build`` publishes the marts into a separate
snapshot file after every successful build (an atomic rename), and the dashboards open that snapshot
read-only, one short connection per cached query.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from pizza.config import get_platform_settings


class DashboardSettings(BaseSettings):
    """Where the marts snapshot is, how long query results are cached, where Streamlit listens."""

    model_config = SettingsConfigDict(env_prefix="PIZZA_DASHBOARDS_", env_file=".env", extra="ignore")

    marts_path: Path | None = Field(
        None, description="read the marts from this snapshot instead of the platform's (PIZZA_MARTS_SNAPSHOT_PATH)"
    )
    address: str = Field("127.0.0.1", description="Streamlit server address")
    port: int = Field(8501, description="Streamlit server port")
    cache_ttl_seconds: int = Field(300, ge=0, description="how long a query result is reused")
    default_days: int = Field(28, ge=1, description="length of the default date range, ending on the latest day")

    @property
    def marts(self) -> Path:
        return self.marts_path or get_platform_settings().marts_snapshot


@lru_cache
def get_dashboard_settings() -> DashboardSettings:
    return DashboardSettings()
