"""Liveness, readiness and metrics of a worker process: ``/health`` (alias ``/live``), ``/ready`` and
``/metrics`` (Prometheus) on one port.

The two probes answer different questions, so an orchestrator can act on each:

* **liveness** (``/health``, ``/live``): every loop of the process (a relay, a sink, each consumer, a timer)
  has turned within its ``stale_after_s``. A loop that waits out a store outage still turns, so an outage
  never gets a healthy process restarted; a loop that hangs does.
* **readiness** (``/ready``): the process can do its work now: every store it needs answers, and no loop
  is stuck with work waiting (a message polled again and again, a relay cycle failing, rows buffered past
  their flush time). ``pizza stack status`` shows it. The body is JSON ``{"status", "checks"}`` naming the
  failing check, and a check not refreshed within its ``fresh_for_s`` counts as failing.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import make_wsgi_app

OK = "ok"


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


class Stall:
    """Since when a loop has had work it could not do (None while it keeps up); ``why`` the last failure."""

    def __init__(self) -> None:
        self.since: float | None = None
        self.why = ""

    def blocked(self, why: str) -> None:
        if self.since is None:
            self.since = time.monotonic()
        self.why = why

    def cleared(self) -> None:
        self.since, self.why = None, ""

    def check(self, grace_s: float = 0.0) -> str:
        """``"ok"``, or what blocks the loop once it has been blocked longer than ``grace_s``."""
        if self.since is None or time.monotonic() - self.since < grace_s:
            return OK
        return f"stalled {time.monotonic() - self.since:.0f}s: {self.why}"[:300]


@dataclass(slots=True)
class _Check:
    result: str
    at: float
    fresh_for_s: float


class Readiness:
    """Named checks set by the process (its probes and loops); ready when each is ``"ok"`` and fresh."""

    def __init__(self) -> None:
        self._checks: dict[str, _Check] = {}
        self._lock = threading.Lock()

    def set(self, name: str, result: str, fresh_for_s: float = 30.0) -> None:
        with self._lock:
            self._checks[name] = _Check(result[:300], time.monotonic(), fresh_for_s)

    def report(self) -> tuple[bool, dict[str, str]]:
        now = time.monotonic()
        with self._lock:
            checks = {
                name: c.result if now - c.at < c.fresh_for_s else f"not checked for {now - c.at:.0f}s"
                for name, c in self._checks.items()
            }
        return bool(checks) and all(v == OK for v in checks.values()), checks


def check_result(error: BaseException | None) -> str:
    """A probe's outcome as a check result."""
    return OK if error is None else f"error: {type(error).__name__}: {str(error)[:200]}"


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # scraped every few seconds: keep logs clean
        pass


def serve(
    port: int,
    alive: Callable[[], bool],
    ready: Callable[[], tuple[bool, dict[str, str]]] | None = None,
    host: str = "0.0.0.0",  # noqa: S104 (scraped)
) -> WSGIServer:
    """Start ``/metrics``, ``/health`` (``/live``) and ``/ready`` on a daemon thread; port 0 picks a free
    port (``server_port``). Without ``ready``, readiness is liveness."""
    metrics = make_wsgi_app()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path in ("/health", "/live"):
            ok = alive()
            start_response("200 OK" if ok else "503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"ok\n" if ok else b"stale\n"]
        if path == "/ready":
            is_alive = alive()
            ok, checks = ready() if ready is not None else (True, {})
            checks = {"loops": OK if is_alive else "stale", **checks}
            ok = ok and is_alive
            body = json.dumps({"status": "ok" if ok else "unavailable", "checks": checks}).encode()
            start_response("200 OK" if ok else "503 Service Unavailable", [("Content-Type", "application/json")])
            return [body]
        return metrics(environ, start_response)  # type: ignore[no-any-return]

    server = make_server(host, port, app, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
