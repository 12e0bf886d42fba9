"""`pizza saga`: run the order saga (Kafka consumers + deadline timer), look at one saga, list escalations."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pizza.config import get_platform_settings
from pizza.logs import configure_logging

app = typer.Typer(no_args_is_help=True, help="The order saga: payments, kitchen, delivery, notifications, loyalty.")
console = Console()


@app.command()
def run() -> None:
    """Consume order events (saga, notifications, live updates) and wake sagas whose deadline passed.

    Settings: PIZZA_SAGA_* (deadlines, consumer groups, PIZZA_SAGA_METRICS_PORT for /health and /metrics).
    """
    from api.domain.saga.settings import get_saga_settings
    from workers.saga.app import run_saga_process

    configure_logging()
    asyncio.run(run_saga_process(get_platform_settings(), get_saga_settings()))


@app.command()
def show(order_id: Annotated[str, typer.Argument(help="the order's id")]) -> None:
    """One order's saga: state, deadline and every step it took (searches every shard)."""
    from api.domain.saga.views import find_saga

    found = asyncio.run(find_saga(get_platform_settings(), uuid.UUID(order_id)))
    if found is None:
        console.print(f"no saga for order {order_id}")
        raise typer.Exit(1)
    shard, saga, steps = found
    console.print(f"[bold]{saga.state}[/bold] on {shard}; order {saga.order_status}; deadline {saga.deadline_at} "
                  f"({saga.deadline_kind}); reason: {saga.reason}")  # fmt: skip
    table = Table("at", "trigger", "from", "to", "actions")
    for step in steps:
        table.add_row(step["at"], step["trigger"], str(step["from"]), step["to"], json.dumps(step["actions"]))
    console.print(table)


@app.command()
def escalated(limit: Annotated[int, typer.Option(help="per shard")] = 50) -> None:
    """Sagas waiting for a human (e.g. no rider found), oldest first, across every shard."""
    from api.domain.saga.views import escalated_sagas

    table = Table("escalated at", "order", "shard", "order status", "reason")
    for shard, saga in asyncio.run(escalated_sagas(get_platform_settings(), limit)):
        table.add_row(str(saga.escalated_at), str(saga.order_id), shard, saga.order_status, saga.reason or "")
    console.print(table)
