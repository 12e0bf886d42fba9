"""`pizza lake`: the Kafka -> Parquet lake sink."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pizza.config import get_platform_settings
from pizza.logs import configure_logging
from pizzactl.cli.cdc import stop_on_signals

app = typer.Typer(no_args_is_help=True, help="The raw lake: cdc.* topics -> Parquet files.")
console = Console()


@app.command()
def sink(
    idle_exit: Annotated[
        float | None, typer.Option(help="exit after this many seconds without a message (batch runs, drills)")
    ] = None,
) -> None:
    """Write cdc.* topics to the lake; offsets are committed only after the files are durable."""
    from pizza.messaging.health import serve
    from streaming.consumers.cdc_to_lake.app import LakeSinkApp
    from streaming.settings import get_lake_sink_settings

    configure_logging()
    settings = get_lake_sink_settings()
    app_ = LakeSinkApp(get_platform_settings(), settings)
    if settings.metrics_port:
        serve(settings.metrics_port, app_.heartbeat.alive, app_.ready)
    try:
        app_.run(stop_on_signals(), idle_exit_s=idle_exit)
    finally:
        app_.close()


@app.command()
def status() -> None:
    """Per topic partition: messages on Kafka the sink has not yet made durable in the lake (exit 1 if any)."""
    from streaming.consumers.cdc_to_lake.lag import COUNT_CAP, sink_lag
    from streaming.settings import get_lake_sink_settings

    lag = sink_lag(get_platform_settings(), get_lake_sink_settings())
    behind = {name: n for name, n in lag.items() if n}
    if behind:
        table = Table("topic partition", "messages not in the lake yet")
        for name, n in behind.items():
            table.add_row(name, f"{n:,}")
        console.print(table)
    whole = len(lag) - len(behind)
    console.print(f"{whole} of {len(lag)} topic partitions wholly in the lake (counts stop at {COUNT_CAP:,})")
    raise typer.Exit(1 if any(lag.values()) else 0)
