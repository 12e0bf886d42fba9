"""Warehouse loaders: one interface, three real implementations (DuckDB, BigQuery, Snowflake)."""

from __future__ import annotations

from pipelines.loaders.base import Dataset, WarehouseLoader, datasets
from pipelines.settings import PipelineSettings
from pizza.config import PlatformSettings


def loader_for(platform: PlatformSettings, settings: PipelineSettings) -> WarehouseLoader:
    """The configured warehouse (``PIZZA_PIPELINES_WAREHOUSE_KIND``); clients are imported only when chosen."""
    if settings.warehouse_kind == "bigquery":
        from pipelines.loaders.bigquery import BigQueryLoader

        return BigQueryLoader.from_settings(settings)
    if settings.warehouse_kind == "snowflake":
        from pipelines.loaders.snowflake import SnowflakeLoader

        return SnowflakeLoader.from_settings(settings)
    from pipelines.loaders.duckdb import DuckDBLoader

    return DuckDBLoader(platform.warehouse)


__all__ = ["Dataset", "WarehouseLoader", "datasets", "loader_for"]
