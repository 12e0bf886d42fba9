"""`pizza pipelines ...`: run the batch jobs by hand (the DAGs run the same functions on a schedule)."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(no_args_is_help=True, help="Batch jobs: compaction, facts, warehouse load, archival.")
console = Console()


@app.command()
def compact(
    tables: str = typer.Option("", help="comma-separated curated tables (default: all)"),
    from_date: str = typer.Option("", help="backfill: first business date (YYYY-MM-DD)"),
    to_date: str = typer.Option("", help="backfill: last business date"),
) -> None:
    """Compact raw CDC into curated tables (incremental, or a backfill of a date range)."""
    from pipelines.jobs import compact_curated

    args = ["--tables", tables] if tables else []
    if from_date:
        args += ["--from-date", from_date, "--to-date", to_date]
    raise typer.Exit(compact_curated.main(args))


@app.command()
def facts(
    from_date: str = typer.Option("", help="first order date"),
    to_date: str = typer.Option("", help="last order date"),
) -> None:
    """Rebuild daily facts for a date range (default: every order date in the lake)."""
    from pipelines.jobs import build_facts

    raise typer.Exit(build_facts.main(["--from-date", from_date, "--to-date", to_date] if from_date else ["--all"]))


@app.command()
def load(full: bool = typer.Option(False, help="reload every partition")) -> None:
    """Load changed lake partitions into the warehouse (PIZZA_PIPELINES_WAREHOUSE_KIND)."""
    from pipelines.jobs import load_warehouse

    raise typer.Exit(load_warehouse.main(["--full"] if full else []))


@app.command()
def archive(
    skip_archive: bool = typer.Option(False, help="only create partitions ahead"),
    today: str = typer.Option("", help="pretend today is this date (YYYY-MM-DD)"),
) -> None:
    """Create order partitions ahead on every shard and move months past the retention to the archive."""
    from pipelines.jobs import archive_orders

    args = [*(["--skip-archive"] if skip_archive else []), *(["--today", today] if today else [])]
    raise typer.Exit(archive_orders.main(args))


@app.command()
def history(user_id: str) -> None:
    """A user's archived orders (DuckDB over the archive's Parquet files)."""
    from pipelines.io.lakefs import location
    from pipelines.partitions.history import order_history
    from pipelines.settings import get_pipeline_settings
    from pizza.config import get_platform_settings

    archive = location(get_platform_settings().archive, get_pipeline_settings())
    rows = order_history(archive, user_id).to_pylist()
    for row in rows:
        console.print(row)
    console.print(f"{len(rows)} archived order(s)")
