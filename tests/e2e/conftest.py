"""Fixtures of the end-to-end tests: the CDC relay publishing the shards' outboxes to Kafka, and
``pizza saga run`` as a real child process. The API served over HTTP and its actors are the kit's.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator

import pytest
from saga_e2e_support import KITCHEN_TIMEOUT_S, OPS_EMAIL, PAYMENT_TIMEOUT_S, RIDER_TIMEOUT_S, SagaRun
from support.serving import free_port

from pizza.config import PlatformSettings
from streaming.relay.app import build_relay
from streaming.relay.status import drop_slots
from streaming.settings import CdcSettings


@pytest.fixture(scope="module")
def relay(stack: PlatformSettings) -> Iterator[CdcSettings]:
    """The CDC relay over the catalog and every shard, on slots of its own (dropped afterwards)."""
    slots = f"e2e_{uuid.uuid4().hex[:10]}"
    settings = CdcSettings(slot_prefix=slots, poll_interval_s=0.05, standby_retry_s=0.2, producer={"linger.ms": "1"})
    cdc = build_relay(stack, settings)
    cdc.run(until_idle=True)  # slots exist from here on: every later commit is published
    stop = threading.Event()
    thread = threading.Thread(target=cdc.run, args=(stop,), name="cdc-relay", daemon=True)
    thread.start()
    try:
        yield settings
    finally:
        stop.set()
        thread.join(30)
        cdc.close()
        drop_slots(stack, settings)


@pytest.fixture(scope="module")
def saga_run(
    stack: PlatformSettings, relay: CdcSettings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SagaRun]:
    """``pizza saga run`` in a child process with short deadlines, healthy before the tests start.
    Consumer groups of their own (``PIZZA_SAGA_GROUP_PREFIX``): they read the topics from the start."""
    folder = tmp_path_factory.mktemp("saga")
    port = free_port()
    prefix = f"e2e-{uuid.uuid4().hex[:8]}-"
    env = {
        **os.environ,
        "PIZZA_SAGA_METRICS_PORT": str(port),
        "PIZZA_SAGA_GROUP_PREFIX": prefix,
        "PIZZA_SAGA_SESSION_TIMEOUT_MS": "2000",
        "PIZZA_SAGA_POLL_TIMEOUT_S": "0.2",
        "PIZZA_SAGA_PAYMENT_TIMEOUT_S": str(PAYMENT_TIMEOUT_S),
        "PIZZA_SAGA_KITCHEN_TIMEOUT_S": str(KITCHEN_TIMEOUT_S),
        "PIZZA_SAGA_RIDER_TIMEOUT_S": str(RIDER_TIMEOUT_S),
        "PIZZA_SAGA_TIMER_INTERVAL_S": "0.3",
        "PIZZA_SAGA_OPS_EMAIL": OPS_EMAIL,
        "PIZZA_NOTIFY_OUTPUT_FILE": str(folder / "notifications.jsonl"),
        "PIZZA_PAYMENTS_GATEWAY_BACKOFF_SECONDS": "0.05",
    }
    run = SagaRun(f"http://127.0.0.1:{port}", env, folder / "notifications.jsonl", folder / "saga.log")
    run.start()
    try:
        yield run
    finally:
        run.stop()
