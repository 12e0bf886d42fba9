"""`pizza demo`: the whole platform end to end on the embedded defaults (what `make demo` runs).

Start the stack and the platform's processes, build a seeded world through the API, import weeks
of history, place live orders that the saga carries to the customer's door, let CDC land every
change in the lake, run the pipelines once through Airflow, and leave the API, Airflow and the
dashboards running. Safe to re-run: every step skips what is already there.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pizza.config import PlatformSettings, get_platform_settings
from pizza.demo.settings import DemoSettings

console = Console()
app = typer.Typer(help="Run the platform end to end on demo data.")


def step(title: str) -> None:
    console.rule(f"[bold]{title}")


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )


def ensure_admin(platform: PlatformSettings, demo: DemoSettings, base_url: str) -> str:
    from pizza.demo.client import ApiError, PizzaApi

    api = PizzaApi(base_url)
    try:
        return api.login(demo.admin_email, demo.admin_password)
    except ApiError:
        from api.domain.accounts.bootstrap import create_user_direct

        asyncio.run(
            create_user_direct(
                platform, email=demo.admin_email, password=demo.admin_password, name="Demo Administrator", role="admin"
            )
        )
        return api.login(demo.admin_email, demo.admin_password)
    finally:
        api.close()


def import_history(base_url: str, admin_token: str, bodies: list[dict[str, Any]], concurrency: int) -> int:
    from pizza.demo.client import PizzaApi

    api = PizzaApi(base_url, admin_token)
    created = 0
    with progress_bar() as bar, ThreadPoolExecutor(max_workers=concurrency) as pool:
        task = bar.add_task("history orders", total=len(bodies))
        for result in pool.map(lambda body: api.call("POST", "/admin/orders/import", json=body), bodies):
            created += int(bool(result.get("created")))
            bar.advance(task)
    api.close()
    return created


def wait_for_cdc(platform: PlatformSettings, timeout: float = 300.0) -> None:
    """Until every replication slot has published all committed changes."""
    from streaming.relay.status import shard_status
    from streaming.settings import get_cdc_settings

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        statuses = shard_status(platform, get_cdc_settings())
        waiting = {s.shard: s.lag.lag_bytes for s in statuses if s.lag and (s.lag.lag_seconds or 0) > 0}
        if not waiting:
            return
        console.print(f"  CDC still publishing: {waiting}")
        time.sleep(3)
    raise typer.Exit(1)


@app.callback(invoke_without_command=True)
def demo(
    history_orders: int | None = typer.Option(None, help="back-dated orders to import (PIZZA_DEMO_HISTORY_ORDERS)"),
    live_orders: int | None = typer.Option(None, help="orders placed live (PIZZA_DEMO_LIVE_ORDERS)"),
    pipelines: bool = typer.Option(True, help="run the Airflow DAGs once after the data is in the lake"),
) -> None:
    """Run the platform end to end and leave it running."""
    from pizza.db.migrate import migrate_all
    from pizza.db.partitions import ensure_partitions
    from pizza.demo.client import PizzaApi
    from pizza.demo.history import history_orders as make_history
    from pizza.demo.live import run_live
    from pizza.demo.seed import seed_world
    from pizza.demo.world import build_world
    from pizza.logs import configure_logging
    from pizza.stack import Stack
    from pizza.stack.apps import ApiApp, DashboardsApp

    configure_logging(json=False)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would bury the progress bars
    platform = get_platform_settings()
    settings = DemoSettings()
    n_history = settings.history_orders if history_orders is None else history_orders
    n_live = settings.live_orders if live_orders is None else live_orders
    os.environ.setdefault("PIZZA_LAKE_SINK_MAX_AGE_S", "5")  # small files, but the demo sees its data at once

    step("1/8 local stack: Postgres shards, Redis, Kafka, MongoDB")
    Stack(platform).up(progress=console.print)
    migrate_all(platform, progress=console.print)
    ensure_partitions(platform)

    step("2/8 platform processes: API, CDC relay, lake sink, saga")
    Stack(platform, ["api", "cdc", "lake-sink", "saga"]).up(progress=console.print)
    base_url = ApiApp(platform).url
    admin_token = ensure_admin(platform, settings, base_url)

    step("3/8 the world: cities, pizzerias, menus, riders, customers (through the API)")
    world = build_world(
        cities=settings.cities,
        restaurants_per_city=settings.restaurants_per_city,
        customers=settings.customers,
        seed=settings.seed,
    )
    api = PizzaApi(base_url)
    with progress_bar() as bar:
        tasks = {
            "restaurants": bar.add_task("restaurants + staff + menus", total=len(world.restaurants)),
            "riders": bar.add_task("riders (per city)", total=len(world.cities)),
            "customers": bar.add_task("customers", total=len(world.customers)),
        }
        seeded = seed_world(
            api,
            admin_token,
            world,
            platform.state_dir / "demo" / "world.json",
            riders_per_city=settings.riders_per_city,
            progress=lambda kind, n: bar.advance(tasks[kind], n),
        )

    step(f"4/8 history: {n_history} orders over {settings.history_days} days (admin import)")
    bodies = list(
        make_history(
            world,
            seeded.restaurants,
            seeded.customer_ids,
            count=n_history,
            days=settings.history_days,
            seed=settings.seed,
        )
    )
    for i, body in enumerate(bodies):
        body["external_id"] = f"demo-{settings.seed}-{i}"
    console.print(f"  imported {import_history(base_url, admin_token, bodies, settings.concurrency)} new orders")

    step(f"5/8 live: {n_live} orders carried by the saga (payment, kitchen, rider, delivery)")
    with progress_bar() as bar:
        task = bar.add_task("live orders", total=n_live)
        outcomes = run_live(
            api,
            world,
            seeded,
            orders=n_live,
            concurrency=settings.concurrency,
            step_timeout=settings.step_timeout_s,
            progress=lambda _s: bar.advance(task),
        )
    console.print(f"  outcomes: {dict(outcomes)}")
    api.close()

    step("6/8 change-data capture: every committed change on Kafka and in the lake")
    wait_for_cdc(platform)
    time.sleep(float(os.environ["PIZZA_LAKE_SINK_MAX_AGE_S"]) * 2 + 2)  # the sink rolls its open files

    if pipelines:
        step("7/8 pipelines through Airflow: compaction -> facts -> warehouse -> dbt -> recommendations")
        from pizza.cli.airflow import run_demo_dags

        run_demo_dags(console)

    step("8/8 dashboards")
    Stack(platform, ["dashboards"]).up(progress=console.print)
    console.print()
    console.print("[bold green]The platform is running:[/bold green]")
    console.print(f"  API docs         {base_url}/schema   (Swagger UI: {base_url}/schema/swagger)")
    console.print(f"  Dashboards       {DashboardsApp(platform).url}")
    console.print("  Airflow UI       see `uv run pizza airflow status`")
    console.print(
        f"  Demo accounts    {settings.admin_email} / {settings.admin_password}; customers in "
        f"{platform.state_dir / 'demo' / 'world.json'} (password demo-password-123)"
    )
    console.print("  Stop everything  uv run pizza stack down")
