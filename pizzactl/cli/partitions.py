"""`pizza partitions ensure`: monthly order partitions created ahead on every shard (pg_partman)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from pizza.config import get_platform_settings
from pizza.db.partitions import ensure_partitions

app = typer.Typer(no_args_is_help=True, help="Time partitions of the order shards.")
console = Console(width=120)


@app.command()
def ensure(
    months_ahead: int | None = typer.Option(
        None, min=1, max=36, help="keep this many future months (default: the configured premake, 3)"
    ),
) -> None:
    """Create every partition due within the premake window on every shard (idempotent)."""
    results = ensure_partitions(get_platform_settings(), premake=months_ahead)
    table = Table("shard", "table", "partitions", "newest", "covered until", "rows in default")
    for r in results:
        default = f"[red]{r.rows_in_default}[/red]" if r.rows_in_default else "0"
        parent, newest = r.parent_table.removeprefix("public."), r.newest.removeprefix("public.")
        table.add_row(r.shard, parent, str(r.partitions), newest, f"{r.covered_until:%Y-%m-%d}", default)
    console.print(table)
    if any(r.rows_in_default for r in results):
        console.print("[yellow]rows sit in a default partition: run `partman.partition_data_proc` for them[/yellow]")
