"""Liveness and readiness of a worker process are separate answers on one port (a real loopback server)."""

from __future__ import annotations

import httpx
import pytest

from pizza.messaging.health import OK, serve

pytestmark = pytest.mark.integration


def test_health_is_liveness_and_ready_is_readiness() -> None:
    state = {"alive": True, "ready": (False, {"redis": "error: ConnectionError"})}
    server = serve(0, lambda: state["alive"], lambda: state["ready"], host="127.0.0.1")
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        assert httpx.get(f"{url}/health").status_code == 200  # a store outage is not a reason to restart
        assert httpx.get(f"{url}/live").status_code == 200
        ready = httpx.get(f"{url}/ready")
        assert ready.status_code == 503
        assert ready.json() == {"status": "unavailable", "checks": {"loops": OK, "redis": "error: ConnectionError"}}
        state["ready"] = (True, {"redis": OK})
        assert httpx.get(f"{url}/ready").json() == {"status": "ok", "checks": {"loops": OK, "redis": OK}}
        state["alive"] = False
        assert httpx.get(f"{url}/health").status_code == 503
        assert httpx.get(f"{url}/ready").json()["checks"]["loops"] == "stale"
    finally:
        server.shutdown()
