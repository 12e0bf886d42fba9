"""Fixtures of the privacy tests: a relay on its own slots, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from pizza.config import PlatformSettings
from streaming.relay.app import CdcRelay, build_relay
from streaming.relay.status import drop_slots
from streaming.settings import CdcSettings


@pytest.fixture
def privacy_relay(stack: PlatformSettings) -> Iterator[CdcRelay]:
    """A relay over the catalog and every shard: what is written from now on is captured."""
    settings = CdcSettings(slot_prefix=f"p_{uuid.uuid4().hex[:10]}", poll_interval_s=0.05, producer={"linger.ms": "1"})
    relay = build_relay(stack, settings)
    relay.run(until_idle=True)
    yield relay
    relay.close()
    drop_slots(stack, settings)
