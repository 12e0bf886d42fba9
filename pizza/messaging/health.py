"""Liveness and metrics of a worker process: ``/metrics`` (Prometheus) and ``/health`` on one port.

``/health`` answers 200 while every loop of the process (a relay, a sink, each consumer, a timer) has
beaten within its ``stale_after_s``, 503 otherwise, so an orchestrator restarts a process that is stuck
rather than merely alive. The metrics themselves are defined by each component.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import make_wsgi_app


class Heartbeat:
    """A loop calls ``beat()`` each turn; ``alive()`` says whether it did so recently."""

    def __init__(self, stale_after_s: float, name: str = "main") -> None:
        self.name = name
        self.stale_after_s = stale_after_s
        self.last = time.monotonic()

    def beat(self) -> None:
        self.last = time.monotonic()

    def alive(self) -> bool:
        return time.monotonic() - self.last < self.stale_after_s


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # scraped every few seconds: keep logs clean
        pass


def serve(port: int, alive: Callable[[], bool], host: str = "0.0.0.0") -> WSGIServer:  # noqa: S104 (scraped)
    """Start ``/metrics`` + ``/health`` on a daemon thread; port 0 picks a free port (``server_port``)."""
    metrics = make_wsgi_app()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/health":
            ok = alive()
            start_response("200 OK" if ok else "503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"ok\n" if ok else b"stale\n"]
        return metrics(environ, start_response)  # type: ignore[no-any-return]

    server = make_server(host, port, app, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
