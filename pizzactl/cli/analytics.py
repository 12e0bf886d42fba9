"""`pizza dbt build|test|freshness|docs|publish` and `pizza dashboards`: the analytics layer's commands.

The work is done by :mod:`pipelines.marts` (the same functions the Airflow ``marts_build`` DAG calls);
these commands only parse options and report.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Annotated

import typer

from dashboards.settings import get_dashboard_settings
from pipelines.marts import DbtRun, DbtSettings, build_and_publish, get_dbt_settings, publish_marts_snapshot, run_dbt
from pizza.config import REPO_ROOT, get_platform_settings
from pizza.logs import configure_logging, get_logger

log = get_logger(__name__)

# --- command line --------------------------------------------------------------------------------------

app = typer.Typer(no_args_is_help=True, help="Analytics models: dbt on the warehouse (DuckDB by default).")
TargetOption = Annotated[str | None, typer.Option(help="profiles.yml target (default: PIZZA_DBT_TARGET or local)")]


def _settings(target: str | None) -> DbtSettings:
    settings = get_dbt_settings()
    return settings.model_copy(update={"target": target}) if target else settings


def _exit(run: DbtRun) -> None:
    for problem in run.problems:
        typer.echo(f"{problem.status.upper()}: {problem.name}: {problem.message}", err=True)
    raise typer.Exit(run.returncode)


@app.command()
def build(
    target: TargetOption = None,
    select: Annotated[str | None, typer.Option("--select", "-s", help="dbt node selection")] = None,
    full_refresh: Annotated[bool, typer.Option(help="rebuild incremental models from scratch")] = False,
) -> None:
    """Seed, run, test every model (dbt build), then publish the marts snapshot for the dashboards."""
    configure_logging()
    _exit(build_and_publish(select=select, full_refresh=full_refresh, settings=_settings(target)))


@app.command("test")
def run_tests(
    target: TargetOption = None,
    select: Annotated[str | None, typer.Option("--select", "-s", help="dbt node selection")] = None,
) -> None:
    """Run the data tests and unit tests only (models must exist)."""
    configure_logging()
    _exit(run_dbt(["test", *(["--select", select] if select else [])], settings=_settings(target)))


@app.command()
def freshness(target: TargetOption = None) -> None:
    """Check that every lake source was loaded recently enough (dbt source freshness)."""
    configure_logging()
    _exit(run_dbt(["source", "freshness"], settings=_settings(target)))


@app.command()
def docs(
    target: TargetOption = None,
    serve: Annotated[bool, typer.Option(help="serve the generated site on 127.0.0.1")] = False,
    port: Annotated[int, typer.Option(help="port for --serve")] = 8580,
) -> None:
    """Generate the dbt docs site (models, columns, tests, lineage, exposures); optionally serve it."""
    configure_logging()
    settings = _settings(target)
    run = run_dbt(["docs", "generate"], settings=settings)
    if run.success and serve:
        run = run_dbt(["docs", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-browser"], settings=settings)
    _exit(run)


@app.command()
def publish() -> None:
    """Publish the current marts to the dashboards' snapshot without building."""
    configure_logging()
    platform = get_platform_settings()
    tables = publish_marts_snapshot(platform.warehouse, platform.marts_snapshot)
    typer.echo(f"published {len(tables)} tables to {platform.marts_snapshot}")


def streamlit_command(port: int | None = None, address: str | None = None) -> list[str]:
    """The `streamlit run` command line for the dashboards app (headless, no telemetry, no file watcher)."""
    settings = get_dashboard_settings()
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(REPO_ROOT / "dashboards" / "app.py"),
        "--server.headless",
        "true",
        "--server.address",
        address or settings.address,
        "--server.port",
        str(port or settings.port),
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]


def dashboards(
    port: Annotated[int | None, typer.Option(help="port (default: PIZZA_DASHBOARDS_PORT or 8501)")] = None,
    address: Annotated[str | None, typer.Option(help="address (default: PIZZA_DASHBOARDS_ADDRESS)")] = None,
) -> None:
    """Serve the analysts' Streamlit dashboards over the published marts snapshot."""
    configure_logging()
    settings = get_dashboard_settings()
    if not settings.marts.exists():
        log.warning("dashboards.no_marts", snapshot=str(settings.marts), hint="run `pizza dbt build` first")
    log.info("dashboards.start", url=f"http://{address or settings.address}:{port or settings.port}")
    raise typer.Exit(subprocess.call(streamlit_command(port, address), cwd=REPO_ROOT))
