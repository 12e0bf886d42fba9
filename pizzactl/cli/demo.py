"""`pizza demo`: the whole platform end to end on the embedded defaults (what `make demo` runs).

Start the stack and the platform's processes, build a seeded world through the API, import weeks
of history, place live orders that the saga carries to the customer's door, let CDC land every
change in the lake, run the pipelines once through Airflow, serve the dashboards, and check that
every layer agrees (`pizza demo verify`). The API, Airflow and the dashboards are left running.

Safe to re-run: the world's ids are kept in ``<state>/demo/world.json`` and the history's end in
``<state>/demo/plan.json``, so a re-run finds the world and the history already there and adds
only a new batch of live orders.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from tenacity import Retrying, retry_if_result, stop_after_delay, wait_fixed

from pizza.config import PlatformSettings, get_platform_settings
from pizzactl.demo.settings import DemoSettings

console = Console()
app = typer.Typer(help="Run the platform end to end on demo data.")


class Steps:
    """Numbered steps with their wall time, printed as they end and as a table at the close."""

    def __init__(self, out: Console, total: int) -> None:
        self.out, self.total = out, total
        self.times: list[tuple[str, float]] = []
        self.started = time.monotonic()

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        number = len(self.times) + 1
        self.out.rule(f"[bold]{number}/{self.total} {title}")
        began = time.monotonic()
        try:
            yield
        finally:
            seconds = time.monotonic() - began
            self.times.append((title, seconds))
            self.out.print(f"  step {number}/{self.total} took {seconds:.0f} s")

    def summary(self) -> None:
        table = Table("step", "seconds", title="Step times")
        for i, (title, seconds) in enumerate(self.times, start=1):
            table.add_row(f"{i}. {title.split(':')[0]}", f"{seconds:.0f}")
        table.add_row("total", f"{time.monotonic() - self.started:.0f}")
        self.out.print(table)


class Bar:
    """A progress bar on a terminal; a line every tenth of the way when the output is a log file."""

    def __init__(self, out: Console) -> None:
        self.out = out
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=out
        )
        self._told: dict[TaskID, int] = {}

    def __enter__(self) -> Bar:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)  # type: ignore[arg-type]

    def add(self, description: str, total: int) -> TaskID:
        task = self.progress.add_task(description, total=total)
        self._told[task] = 0
        return task

    def advance(self, task: TaskID, n: int = 1) -> None:
        self.progress.advance(task, n)
        if self.out.is_terminal:
            return
        state = self.progress.tasks[task]
        tenth = int(10 * state.completed / state.total) if state.total else 10
        if tenth > self._told[task]:
            self._told[task] = tenth
            self.out.print(f"  {state.description}: {state.completed:.0f}/{state.total:.0f}")


def ensure_admin(platform: PlatformSettings, demo: DemoSettings, base_url: str) -> str:
    from pizzactl.demo.client import ApiError, PizzaApi

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


def import_history(
    base_url: str, admin_token: str, bodies: list[dict[str, Any]], concurrency: int, advance: Callable[[], None]
) -> int:
    from pizzactl.demo.client import PizzaApi

    api = PizzaApi(base_url, admin_token)
    created = 0
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for result in pool.map(lambda body: api.call("POST", "/admin/orders/import", json=body), bodies):
            created += int(bool(result.get("created")))
            advance()
    api.close()
    return created


def _wait_until_settled(outstanding: Callable[[], str | None], timeout: float, failure: str) -> None:
    """Poll ``outstanding`` (what is still in flight, or None once settled) every 3 s, printing it."""
    retrying = Retrying(
        stop=stop_after_delay(timeout),
        wait=wait_fixed(3),
        retry=retry_if_result(lambda left: left is not None),
        after=lambda state: console.print(f"  {state.outcome.result() if state.outcome else ''}"),
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else failure,
    )
    if retrying(outstanding) is not None:
        console.print(f"[red]{failure}[/red]")
        raise typer.Exit(1)


def wait_for_cdc(platform: PlatformSettings, timeout: float = 300.0) -> None:
    """Until every replication slot has published all committed changes."""
    from streaming.relay.status import shard_status
    from streaming.settings import get_cdc_settings

    def outstanding() -> str | None:
        statuses = shard_status(platform, get_cdc_settings())
        waiting = {s.shard: s.lag.lag_bytes for s in statuses if s.lag and (s.lag.lag_seconds or 0) > 0}
        return f"CDC still publishing: {waiting}" if waiting else None

    _wait_until_settled(outstanding, timeout, f"CDC did not catch up within {timeout:.0f} s: see `pizza cdc status`")


def wait_for_lake(platform: PlatformSettings, timeout: float = 300.0) -> None:
    """Until the lake sink has made durable every message on the cdc topics.

    Each topic partition reaches the lake on its own, so compacting earlier could find an order's status
    changes and payment without the order itself (its dbt relationships tests would fail).
    """
    from streaming.consumers.cdc_to_lake.lag import sink_lag
    from streaming.settings import get_lake_sink_settings

    settings = get_lake_sink_settings()

    def outstanding() -> str | None:
        behind = {name: n for name, n in sink_lag(platform, settings).items() if n}
        if not behind:
            return None
        return f"lake sink still writing: {sum(behind.values()):,} messages in {len(behind)} partitions"

    _wait_until_settled(
        outstanding, timeout, f"the lake sink did not catch up within {timeout:.0f} s: see `pizza lake status`"
    )


def run_demo(history_orders: int | None, live_orders: int | None, pipelines: bool) -> None:
    from pipelines.synthetic.world import build_world
    from pizza.db.migrate import migrate_all
    from pizza.db.partitions import ensure_partitions
    from pizza.logs import configure_logging
    from pizzactl.demo.client import PizzaApi
    from pizzactl.demo.history import HistoryPlan
    from pizzactl.demo.history import history_orders as make_history
    from pizzactl.demo.live import EXPECTED_ENDS, run_live
    from pizzactl.demo.seed import seed_world
    from pizzactl.demo.verify import main as verify_main
    from pizzactl.stack import Stack
    from pizzactl.stack.apps import ApiApp, DashboardsApp

    configure_logging(json=False)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would bury the progress bars
    platform = get_platform_settings()
    settings = DemoSettings()
    n_history = settings.history_orders if history_orders is None else history_orders
    n_live = settings.live_orders if live_orders is None else live_orders
    # The processes the demo starts: small lake files so the demo sees its data at once, and a saga that
    # gives up on a payment in time for every live order to end within the run.
    os.environ.setdefault("PIZZA_LAKE_SINK_MAX_AGE_S", "5")
    os.environ.setdefault("PIZZA_SAGA_PAYMENT_TIMEOUT_S", str(settings.payment_timeout_s))
    steps = Steps(console, total=9 if pipelines else 7)
    state = platform.state_dir / "demo"

    with steps.step("local stack: Postgres shards, Redis, Kafka, MongoDB"):
        Stack(platform).up(progress=console.print)
        migrate_all(platform, progress=console.print)
        ensure_partitions(platform)

    with steps.step("platform processes: API, CDC relay, lake sink, saga"):
        Stack(platform, ["api", "cdc", "lake-sink", "saga"]).up(progress=console.print)
        base_url = ApiApp(platform).url
        admin_token = ensure_admin(platform, settings, base_url)

    with steps.step("the world: cities, pizzerias, menus, riders, customers (through the API)"):
        world = build_world(
            cities=settings.cities,
            restaurants_per_city=settings.restaurants_per_city,
            customers=settings.customers,
            seed=settings.seed,
        )
        api = PizzaApi(base_url)
        with Bar(console) as bar:
            tasks = {
                "restaurants": bar.add("restaurants + staff + menus", len(world.restaurants)),
                "riders": bar.add("riders (per city)", len(world.cities)),
                "customers": bar.add("customers", len(world.customers)),
            }
            seeded = seed_world(
                api,
                admin_token,
                world,
                state / "world.json",
                riders_per_city=settings.riders_per_city,
                concurrency=settings.concurrency,
                progress=lambda kind, n: bar.advance(tasks[kind], n),
            )

    plan = HistoryPlan.load_or_create(state / "plan.json")
    with steps.step(f"history: {n_history} orders over {settings.history_days} days to {plan.anchor:%Y-%m-%d %H:%M}"):
        bodies = list(
            make_history(
                world,
                seeded.restaurants,
                seeded.customer_ids,
                count=n_history,
                days=settings.history_days,
                seed=settings.seed,
                anchor=plan.anchor,
            )
        )
        with Bar(console) as bar:
            task = bar.add("history orders (admin import)", len(bodies))
            created = import_history(base_url, admin_token, bodies, settings.concurrency, lambda: bar.advance(task))
        console.print(f"  imported {created} new orders ({len(bodies) - created} were already there)")

    with steps.step(f"live: {n_live} orders carried by the saga (payment, kitchen, rider, delivery)"):
        with Bar(console) as bar:
            task = bar.add("live orders", n_live)
            outcomes = run_live(
                api,
                admin_token,
                world,
                seeded,
                orders=n_live,
                concurrency=settings.concurrency,
                step_timeout=settings.step_timeout_s,
                progress=lambda _s: bar.advance(task),
            )
        api.close()
        for outcome, count in sorted(outcomes.items(), key=lambda kv: -kv[1]):
            console.print(f"  {count:4d}  {outcome}")
        unexpected = {o: n for o, n in outcomes.items() if not o.startswith((*EXPECTED_ENDS, "of which"))}
        if unexpected:
            console.print(f"[red]live orders that did not end as the demo expects: {unexpected}[/red]")
            raise typer.Exit(1)

    with steps.step("change-data capture: every committed change on Kafka and in the lake"):
        wait_for_cdc(platform)
        wait_for_lake(platform)

    if pipelines:
        with steps.step("pipelines through Airflow: compaction -> facts -> warehouse -> dbt -> recommendations"):
            from pizzactl.cli.airflow import run_demo_dags

            try:
                run_demo_dags(console)
            except (RuntimeError, TimeoutError) as exc:
                console.print(f"[red]{exc}[/red]")
                raise typer.Exit(1) from exc

    with steps.step("dashboards"):
        Stack(platform, ["dashboards"]).up(progress=console.print)

    verified = True
    if pipelines:  # without the batch chain the warehouse and marts are not there to compare
        with steps.step("verify: every layer agrees with the shards"):
            verified = verify_main(console) == 0

    steps.summary()
    console.print()
    console.print("[bold green]The platform is running:[/bold green]")
    console.print(f"  API docs         {base_url}/schema   (Swagger UI: {base_url}/schema/swagger)")
    console.print(f"  Dashboards       {DashboardsApp(platform).url}")
    console.print("  Airflow UI       see `uv run pizza airflow status`")
    console.print(
        f"  Demo accounts    {settings.admin_email} / {settings.admin_password}; customers in "
        f"{state / 'world.json'} (password demo-password-123)"
    )
    console.print("  Stop everything  make down")
    if not verified:
        raise typer.Exit(1)


@app.callback(invoke_without_command=True)
def demo(
    ctx: typer.Context,
    history_orders: int | None = typer.Option(None, help="back-dated orders to import (PIZZA_DEMO_HISTORY_ORDERS)"),
    live_orders: int | None = typer.Option(None, help="orders placed live (PIZZA_DEMO_LIVE_ORDERS)"),
    pipelines: bool = typer.Option(True, help="run the Airflow DAGs once after the data is in the lake"),
) -> None:
    """Run the platform end to end and leave it running."""
    if ctx.invoked_subcommand is None:
        run_demo(history_orders, live_orders, pipelines)


@app.command()
def verify() -> None:
    """Reconcile orders per currency across shards, lake, warehouse and marts; non-zero on any mismatch."""
    from pizzactl.demo.verify import main as verify_main

    code = verify_main(console)
    if code:
        raise typer.Exit(code)
