"""`pizza api`: serve the Litestar app with Granian (several worker processes)."""

from __future__ import annotations

import os
import sys

import typer


def api(
    host: str | None = typer.Option(None, help="bind address (default PIZZA_API_HOST, 127.0.0.1)"),
    port: int | None = typer.Option(None, help="port (default PIZZA_API_PORT, 8000)"),
    workers: int | None = typer.Option(None, help="worker processes (default PIZZA_API_WORKERS)"),
) -> None:
    """Serve the customer API: OpenAPI docs at /schema, health at /health and /ready, metrics at /metrics."""
    from api.settings import get_api_settings

    settings = get_api_settings()
    argv = [
        sys.executable, "-m", "granian", "--interface", "asgi", "--factory",
        "--host", host or settings.host, "--port", str(port or settings.port),
        "--workers", str(workers or settings.workers),
        "api.app:create_app",
    ]
    os.execv(sys.executable, argv)  # noqa: S606 - replace this process with the server
