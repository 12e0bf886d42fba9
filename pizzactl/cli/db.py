"""`pizza db migrate | shards`: schema and topology of the catalog and the order shards."""

from __future__ import annotations

import psycopg
import typer
from rich.console import Console
from rich.table import Table

from pizza.config import get_platform_settings
from pizza.db.shards import ShardMap

app = typer.Typer(no_args_is_help=True, help="Migrations and the shard map.")
console = Console()


@app.command()
def migrate() -> None:
    """Apply pending migrations to the catalog and every shard (idempotent)."""
    from pizza.db.migrate import migrate_all

    migrate_all(get_platform_settings(), progress=console.print)


@app.command()
def shards() -> None:
    """Show the shard map: bucket ranges and the shard each maps to."""
    settings = get_platform_settings()
    with psycopg.connect(settings.catalog) as conn:
        shard_map = ShardMap.load(conn)
    table = Table("buckets", "shard", "dsn")
    for r in shard_map.ranges:
        table.add_row(f"{r.bucket_from}-{r.bucket_to}", r.shard, settings.shards.get(r.shard, "[red]no DSN[/red]"))
    console.print(table)
