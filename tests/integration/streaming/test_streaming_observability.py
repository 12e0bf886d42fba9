"""Every streaming process serves /metrics and a /health that turns 503 when its loop stops beating."""

from __future__ import annotations

import httpx
import pytest

from pizza.messaging.health import Heartbeat, serve
from streaming.observability import CDC_MESSAGES

pytestmark = pytest.mark.integration


def test_health_follows_the_heartbeat_and_metrics_are_exposed() -> None:
    heartbeat = Heartbeat(stale_after_s=60)
    server = serve(0, heartbeat.alive, host="127.0.0.1")
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        CDC_MESSAGES.labels("shard_9", "cdc").inc()
        assert httpx.get(f"{base}/health").status_code == 200
        metrics = httpx.get(f"{base}/metrics").text
        assert 'pizza_cdc_messages_total{kind="cdc",shard="shard_9"}' in metrics
        heartbeat.last -= 61  # the loop has not beaten for a minute
        response = httpx.get(f"{base}/health")
        assert (response.status_code, response.text) == (503, "stale\n")
    finally:
        server.shutdown()
