"""The platform running as an operator runs it, for the restart drill: the API, the CDC relay and the saga
started by ``pizzactl.stack`` (as ``pizza stack up --apps`` does) on free ports of the test stack.

Private to this module's run: relay slots and saga consumer groups of its own (dropped / abandoned after),
the saga reading ``events.order`` from its end (``auto.offset.reset=latest``) so it never acts on orders of
other test modules, and a readiness check every half second so the drill sees transitions quickly.
"""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from restart_drill import RunningPlatform

from pizza.config import PlatformSettings
from pizzactl.stack.apps import ApiApp, AppPorts, AppProcess, CdcRelayApp, SagaApp
from streaming.relay.status import drop_slots
from streaming.settings import CdcSettings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(stack: PlatformSettings, slot_prefix: str, folder: Path) -> dict[str, str]:
    return {
        "PIZZA_API_WORKERS": "1",
        "PIZZA_API_RATE_LIMIT_PER_MINUTE_IP": "1000000",
        "PIZZA_API_RATE_LIMIT_PER_MINUTE_USER": "1000000",
        "PIZZA_API_PASSWORD_HASH_TIME_COST": "1",
        "PIZZA_API_PASSWORD_HASH_MEMORY_KIB": "8192",
        "PIZZA_API_PASSWORD_HASH_PARALLELISM": "1",
        "PROMETHEUS_MULTIPROC_DIR": str(folder / "api-metrics"),
        "PIZZA_CDC_SLOT_PREFIX": slot_prefix,
        "PIZZA_CDC_POLL_INTERVAL_S": "0.1",
        "PIZZA_CDC_PRODUCER": json.dumps({"linger.ms": "1"}),
        "PIZZA_SAGA_GROUP_PREFIX": f"{slot_prefix}-",
        "PIZZA_SAGA_KAFKA_CONSUMER": json.dumps({"auto.offset.reset": "latest"}),
        "PIZZA_SAGA_SESSION_TIMEOUT_MS": "3000",
        "PIZZA_SAGA_POLL_TIMEOUT_S": "0.2",
        "PIZZA_SAGA_TIMER_INTERVAL_S": "0.5",
        "PIZZA_SAGA_READINESS_INTERVAL_S": "0.5",
        "PIZZA_NOTIFY_OUTPUT_FILE": str(folder / "notifications.jsonl"),
        "PIZZA_PAYMENTS_GATEWAY_BACKOFF_SECONDS": "0.05",
    }


@pytest.fixture(scope="module")
def platform(stack: PlatformSettings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    """The API, relay and saga as stack apps, ready (``/ready`` 200) before the drill starts."""
    folder = tmp_path_factory.mktemp("resilience")
    (folder / "api-metrics").mkdir()
    slot_prefix = f"drill_{uuid.uuid4().hex[:8]}"
    ports = AppPorts(api_port=free_port(), cdc_metrics_port=free_port(), saga_metrics_port=free_port())
    running = RunningPlatform(ApiApp(stack, ports), CdcRelayApp(stack, ports), SagaApp(stack, ports),
                              folder / "notifications.jsonl")  # fmt: skip
    started: list[AppProcess] = []
    try:
        with pytest.MonkeyPatch.context() as env:  # the apps are spawned with this process's environment
            for name, value in environment(stack, slot_prefix, folder).items():
                env.setenv(name, value)
            for app in running.apps:
                app.start(timeout=90)
                started.append(app)
        yield running
    finally:
        for app in reversed(started):
            app.stop()
        drop_slots(stack, CdcSettings(slot_prefix=slot_prefix))
