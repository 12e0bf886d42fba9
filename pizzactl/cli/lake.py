"""`pizza lake`: the Kafka -> Parquet lake sink."""

from __future__ import annotations

from typing import Annotated

import typer

from pizza.config import get_platform_settings
from pizza.logs import configure_logging
from pizzactl.cli.cdc import stop_on_signals

app = typer.Typer(no_args_is_help=True, help="The raw lake: cdc.* topics -> Parquet files.")


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
