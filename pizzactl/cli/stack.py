"""`pizza stack up | down | status | logs`: the embedded local stack and the platform's processes."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from pizza.config import get_platform_settings
from pizzactl.stack import Stack, StackError

app = typer.Typer(
    no_args_is_help=True, help="Start, stop and inspect the local stack (Postgres, Redis, Kafka, MongoDB)."
)
console = Console()
Services = typer.Option(None, "--service", "-s", help="limit to these: pg, redis, kafka, mongo, api, cdc, ...")
Apps = typer.Option(False, "--apps", help="also the API, CDC relay, lake sink, saga and dashboards")


@app.command()
def up(
    service: list[str] | None = Services,
    apps: bool = Apps,
    migrate: bool = typer.Option(True, help="apply migrations after the servers start"),
) -> None:
    """Start every service that is not running (idempotent), apply migrations, then the apps if asked."""
    settings = get_platform_settings()
    try:
        Stack(settings, service).up(progress=console.print)
        if migrate and (not service or "pg" in service):
            from pizza.db.migrate import migrate_all

            migrate_all(settings, progress=console.print)
        if apps:
            Stack(settings, [s.name for s in Stack(settings, apps=True).apps]).up(progress=console.print)
    except StackError as exc:
        console.print(f"[red]stack up failed:[/red] {exc}")
        raise typer.Exit(1) from exc


@app.command()
def down(service: list[str] | None = Services) -> None:
    """Stop what this stack started, apps first (by pid); other processes are never touched."""
    Stack(get_platform_settings(), service, apps=True).down(progress=console.print)


@app.command()
def status() -> None:
    """Each server and app with its pid, port and health (an app's readiness, with what fails). Exit code 1
    if a server is down."""
    settings = get_platform_settings()
    table = Table("service", "port", "pid", "state", "detail")
    servers_ok = True
    for i, st in enumerate(Stack(settings, apps=True).status()):
        if st.healthy:
            state = "[green]healthy[/green]"
        else:
            state = "[yellow]unhealthy[/yellow]" if st.running else "[red]down[/red]"
        if i < 4:
            servers_ok &= st.healthy
        table.add_row(st.name, str(st.port), str(st.pid or "-"), state, st.detail)
    console.print(table)
    console.print(f"state folder: {settings.state_dir}")
    raise typer.Exit(0 if servers_ok else 1)


@app.command()
def logs(
    service: str = typer.Argument(..., help="pg, redis, kafka, mongo, api, cdc, lake-sink, saga, dashboards"),
    lines: int = 50,
) -> None:
    """Print the last lines of a service's log."""
    svc = Stack(get_platform_settings(), apps=True).service(service)
    if not svc.log_file.exists():
        console.print(f"no log yet at {svc.log_file}")
        raise typer.Exit(1)
    for line in svc.log_file.read_text(errors="replace").splitlines()[-lines:]:
        typer.echo(line)
