"""Fixtures of the streaming tests: a relay on its own slots (dropped afterwards), an order writer."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from support.shards import ShardOrderWriter

from pizza.config import PlatformSettings
from streaming.relay.app import CdcRelay, build_relay
from streaming.relay.status import drop_slots
from streaming.settings import CdcSettings, LakeSinkSettings


@pytest.fixture
def cdc_settings(stack: PlatformSettings) -> Iterator[CdcSettings]:
    """Slots named for this test only, so tests never read each other's positions; dropped at the end."""
    settings = CdcSettings(
        slot_prefix=f"t_{uuid.uuid4().hex[:10]}", poll_interval_s=0.05, standby_retry_s=0.2, producer={"linger.ms": "1"}
    )
    yield settings
    drop_slots(stack, settings)


@pytest.fixture
def relay(stack: PlatformSettings, cdc_settings: CdcSettings) -> Iterator[CdcRelay]:
    """A relay over the catalog and every shard whose slots exist: what is written from now on is captured."""
    relay = build_relay(stack, cdc_settings)
    relay.run(until_idle=True)
    yield relay
    relay.close()


@pytest.fixture
def writer(stack: PlatformSettings) -> Iterator[ShardOrderWriter]:
    writer = ShardOrderWriter(stack)
    yield writer
    writer.close()


@pytest.fixture
def sink_settings() -> LakeSinkSettings:
    return LakeSinkSettings(
        group_id=f"test-lake-{uuid.uuid4().hex[:10]}",
        max_age_s=0.5,
        metadata_refresh_ms=1000,
        poll_timeout_s=0.2,
        session_timeout_ms=2000,  # the broker's first group join takes half of it
    )


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A local S3 API (moto server) standing in for the object store a production lake lives on."""
    import os
    import shutil
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    binary = shutil.which("moto_server") or str(Path(sys.executable).parent / "moto_server")
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("wb")
    server = subprocess.Popen([binary, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError("moto server did not start")
        os.environ.update(
            {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_EC2_METADATA_DISABLED": "true"}
        )
        yield f"127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(10)
        log.close()
