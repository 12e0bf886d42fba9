"""Metrics and liveness for the streaming processes: ``/metrics`` (Prometheus) and ``/health`` on one port.

``/health`` answers 200 while the process's main loop has beaten within ``stale_after_s`` seconds,
503 otherwise, so an orchestrator restarts a relay or sink that is stuck rather than merely alive.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import Counter, Gauge, Histogram, make_wsgi_app

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

# --- CDC relay --------------------------------------------------------------------------------------
CDC_MESSAGES = Counter("pizza_cdc_messages", "Messages acknowledged by Kafka", ["shard", "kind"])
CDC_TRANSACTIONS = Counter("pizza_cdc_transactions", "Committed transactions relayed", ["shard"])
CDC_CONFIRMED_LSN = Gauge("pizza_cdc_confirmed_lsn", "Slot position confirmed after Kafka acked", ["shard"])
CDC_LAG_BYTES = Gauge("pizza_cdc_slot_lag_bytes", "WAL bytes between the server and the slot", ["shard"])
CDC_COMMIT_TO_ACK = Histogram(
    "pizza_cdc_commit_to_ack_seconds", "Postgres commit -> Kafka acknowledgement", buckets=LATENCY_BUCKETS
)
CDC_CYCLE_FAILURES = Counter("pizza_cdc_cycle_failures", "Cycles retried after a Postgres or Kafka failure")
CDC_STANDBY = Gauge("pizza_cdc_standby", "1 while another relay holds this shard's lock", ["shard"])

# --- lake sink --------------------------------------------------------------------------------------
LAKE_ROWS = Counter("pizza_lake_rows", "Rows written to the lake", ["table"])
LAKE_FILES = Counter("pizza_lake_files", "Parquet files written", ["table"])
LAKE_DEAD_LETTERS = Counter("pizza_lake_dead_letters", "Malformed messages sent to the dead-letter topic", ["topic"])
LAKE_BUFFERED_ROWS = Gauge("pizza_lake_buffered_rows", "Rows consumed but not yet in a file")
LAKE_FLUSH_SECONDS = Histogram("pizza_lake_flush_seconds", "Write files + commit offsets", buckets=LATENCY_BUCKETS)
LAKE_LAG_SECONDS = Gauge("pizza_lake_lag_seconds", "Now minus the commit time of the newest row in a file")


class Heartbeat:
    """The main loop calls ``beat()`` each turn; ``/health`` reads ``alive()``."""

    def __init__(self, stale_after_s: float) -> None:
        self.stale_after_s = stale_after_s
        self.last = time.monotonic()

    def beat(self) -> None:
        self.last = time.monotonic()

    def alive(self) -> bool:
        return time.monotonic() - self.last < self.stale_after_s


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # scrapes every few seconds: keep logs clean
        pass


def serve(port: int, alive: Callable[[], bool], host: str = "0.0.0.0") -> WSGIServer:  # noqa: S104 (scraped)
    """Start ``/metrics`` + ``/health`` on a daemon thread; port 0 picks a free port (see ``server_port``)."""
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
