"""`pizza cdc`: run the Postgres -> Kafka relay, show slot lag, drop slots."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pizza.config import get_platform_settings
from pizza.logs import configure_logging

app = typer.Typer(no_args_is_help=True, help="Change-data capture: Postgres slots -> Kafka.")
console = Console()

ShardOption = Annotated[
    list[str] | None, typer.Option("--shard", "-s", help="catalog, shard_0, ... (repeatable); default: all")
]


def stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop


@app.command()
def run(
    shard: ShardOption = None,
    until_idle: Annotated[bool, typer.Option(help="exit once every slot is drained")] = False,
) -> None:
    """Relay row changes and outbox events to Kafka; a slot advances only after Kafka acked."""
    from pizza.messaging.health import serve
    from streaming.relay.app import build_relay
    from streaming.settings import get_cdc_settings

    configure_logging()
    settings = get_cdc_settings()
    relay = build_relay(get_platform_settings(), settings, shard)
    if settings.metrics_port:
        serve(settings.metrics_port, relay.heartbeat.alive, relay.ready)
    try:
        counts = relay.run(stop_on_signals(), until_idle=until_idle)
    finally:
        relay.close()
    if until_idle:
        console.print(counts)


@app.command()
def status(shard: ShardOption = None) -> None:
    """Per database: slot position, lag in bytes and seconds, and the active relay."""
    from streaming.relay.status import shard_status
    from streaming.relay.wal2json import format_lsn
    from streaming.settings import get_cdc_settings

    table = Table("database", "slot", "confirmed", "lag bytes", "lag seconds", "relay pid", "wal")
    problems = 0
    for item in shard_status(get_platform_settings(), get_cdc_settings(), shard):
        lag = item.lag
        if lag is None or not lag.exists:
            problems += 1
            table.add_row(item.shard, lag.slot if lag else "-", "[red]no slot[/red]", "", "", "", item.error or "")
            continue
        seconds = "busy" if lag.lag_seconds is None else f"{lag.lag_seconds:.1f}"
        confirmed = "-" if lag.confirmed_lsn is None else format_lsn(lag.confirmed_lsn)
        table.add_row(
            item.shard, lag.slot, confirmed, f"{lag.lag_bytes:,}", seconds, str(item.relay_pid or "-"), lag.wal_status
        )
    console.print(table)
    raise typer.Exit(1 if problems else 0)


@app.command("drop-slots")
def drop_slots(
    shard: ShardOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="confirm: changes not yet relayed are lost")] = False,
) -> None:
    """Drop the relay's replication slots (decommissioning): frees the WAL they hold."""
    from streaming.relay.status import drop_slots as drop
    from streaming.settings import get_cdc_settings

    if not yes:
        console.print("refusing without --yes: unpublished changes in the slots would be lost")
        raise typer.Exit(2)
    console.print(f"dropped: {drop(get_platform_settings(), get_cdc_settings(), shard)}")
