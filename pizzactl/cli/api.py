"""`pizza api`: serve the Litestar app with Granian (several worker processes), and API admin commands.

`pizza api` alone serves; `pizza api create-admin` writes the first administrator (there is no public
way to become one).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

import typer

app = typer.Typer(no_args_is_help=False, add_completion=False, help="The customer API.")


def prepare_metrics_dir(path: Path) -> Path:
    """Empty the prometheus_client multiprocess folder: workers each write files there, /metrics sums them."""
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


@app.callback(invoke_without_command=True)
def serve(
    ctx: typer.Context,
    host: str | None = typer.Option(None, help="bind address (default PIZZA_API_HOST, 127.0.0.1)"),
    port: int | None = typer.Option(None, help="port (default PIZZA_API_PORT, 8000)"),
    workers: int | None = typer.Option(None, help="worker processes (default PIZZA_API_WORKERS)"),
) -> None:
    """Serve the customer API: OpenAPI docs at /schema, health at /health and /ready, metrics at /metrics."""
    if ctx.invoked_subcommand is not None:
        return
    from api.settings import get_api_settings
    from pizza.config import get_platform_settings

    settings = get_api_settings()
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        metrics = prepare_metrics_dir(get_platform_settings().state_dir / "api-metrics")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
    argv = [
        sys.executable, "-m", "granian", "--interface", "asgi", "--factory",
        "--host", host or settings.host, "--port", str(port or settings.port),
        "--workers", str(workers or settings.workers), "--respawn-failed-workers",
        "api.app:create_app",
    ]  # fmt: skip
    os.execv(sys.executable, argv)  # noqa: S606 - replace this process with the server


@app.command("create-admin")
def create_admin(
    email: str = typer.Option(..., help="login email of the administrator"),
    name: str = typer.Option("Administrator", help="display name"),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True, help="12+ characters"),
) -> None:
    """Create an administrator account (on its shard, with its catalog directory entry)."""
    import msgspec

    from api.domain.accounts.bootstrap import create_user_direct
    from api.domain.accounts.schemas import UserCreate
    from api.lib.errors import DomainError
    from pizza.config import get_platform_settings

    try:
        msgspec.convert({"email": email, "password": password, "name": name, "role": "admin"}, UserCreate)
    except msgspec.ValidationError as exc:
        raise typer.BadParameter(str(exc)) from exc
    try:
        user_id = asyncio.run(
            create_user_direct(get_platform_settings(), email=email, password=password, name=name, role="admin")
        )
    except DomainError as exc:
        typer.echo(f"not created: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"administrator {email} created: {user_id}")
