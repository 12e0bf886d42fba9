"""What the Airflow tasks call: each function reads settings at run time and returns JSON-able results.

DAG files stay wiring only (no settings, connections or heavy imports at parse time); everything that
touches a store or starts Spark happens here, inside a running task.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pipelines.settings import get_pipeline_settings
from pizza.config import get_platform_settings
from pizza.logs import get_logger

log = get_logger(__name__)


def compact_curated_tables() -> dict[str, list[str]]:
    """Incremental compaction of every curated table; returns {table: curated dates rewritten}."""
    from pipelines.jobs import compact_curated
    from pipelines.spark import get_spark

    settings = get_pipeline_settings()
    result = compact_curated.run(get_spark(settings, "cdc_lake_compaction"), get_platform_settings(), settings)
    return result.touched_dates()


def build_daily_facts(touched: dict[str, list[str]]) -> dict[str, Any]:
    """Rebuild the facts of every order date the compaction may have changed."""
    from pipelines.jobs import build_facts
    from pipelines.spark import get_spark

    settings = get_pipeline_settings()
    dates = build_facts.fact_dates_for(touched, settings.facts_lookahead_days)
    result = build_facts.run(get_spark(settings, "cdc_lake_compaction"), get_platform_settings(), settings, dates)
    return asdict(result)


def load_warehouse() -> dict[str, Any]:
    from pipelines.jobs import load_warehouse as job

    result = job.run(get_platform_settings(), get_pipeline_settings())
    return {"target": result.target, "rows": result.loaded_rows, "loaded": result.loaded, "dropped": result.dropped}


def shard_names() -> list[str]:
    return sorted(get_platform_settings().shards)


def create_partitions_ahead(shard: str) -> dict[str, list[str]]:
    from pipelines.jobs import archive_orders

    return archive_orders.maintain(get_platform_settings(), shard)


def archive_old_partitions(shard: str) -> list[dict[str, Any]]:
    from pipelines.jobs import archive_orders

    moved = archive_orders.archive(get_platform_settings(), get_pipeline_settings(), shard)
    return [{k: v for k, v in asdict(m).items() if k != "files"} for m in moved]


def run_marts_build() -> dict[str, Any]:
    """dbt build against the warehouse the loader just filled, then (on DuckDB) publish the marts snapshot
    the dashboards read. Raises naming every failed model or test."""
    from pipelines.marts import build_and_publish

    run = build_and_publish()  # dbt's own output goes to the task log
    if not run.success:
        problems = "; ".join(f"{p.status} {p.name}: {p.message}" for p in run.problems) or "see the dbt log"
        raise RuntimeError(f"dbt build failed ({run.returncode}): {problems}")
    log.info("marts.built", nodes=len(run.results))
    return {"nodes": len(run.results), "passed": len(run.with_status("success", "pass"))}


def asset_extra(kind: str) -> dict[str, str]:
    """The real location behind a logical asset, attached to its events so the UI shows where data went."""
    platform = get_platform_settings()
    where = {
        "curated": f"{platform.lake.rstrip('/')}/curated",
        "facts": f"{platform.lake.rstrip('/')}/facts",
        "warehouse": str(platform.warehouse),
        "archive": platform.archive,
    }
    return {"location": where[kind]}


def retention_databases() -> list[str]:
    from pipelines.jobs import retention

    return sorted(retention.databases(get_platform_settings()))


def purge_expired(database: str) -> list[dict[str, Any]]:
    """Trim the bookkeeping tables of one database (catalog or a shard) by the declared retention rules."""
    from pipelines.jobs import retention

    dsn = retention.databases(get_platform_settings())[database]
    return [asdict(p) for p in retention.purge_database(dsn, database, get_pipeline_settings())]
