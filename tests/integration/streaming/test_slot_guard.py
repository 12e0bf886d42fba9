"""A stopped relay must not let WAL grow unnoticed: `pizza doctor` reports a slot that holds too much."""

from __future__ import annotations

import pytest
from support.shards import ShardOrderWriter

from pizza.config import PlatformSettings
from pizzactl.doctor import CHECKS, check_replication_slots
from streaming.relay.app import CdcRelay, slot_name
from streaming.settings import CdcSettings

pytestmark = pytest.mark.integration


def test_doctor_reports_each_relay_slot_and_flags_one_holding_too_much_wal(
    stack: PlatformSettings, relay: CdcRelay, cdc_settings: CdcSettings, writer: ShardOrderWriter
) -> None:
    assert check_replication_slots in CHECKS
    order = writer.place()
    mine = f"slot {slot_name(cdc_settings, order.shard)}"

    [healthy] = [f for f in check_replication_slots(stack) if f.check == mine]
    assert healthy.ok
    assert f"{order.shard}: retains" in healthy.detail

    [behind] = [f for f in check_replication_slots(stack, warn_bytes=1) if f.check == mine]
    assert not behind.ok
    assert f"pizza cdc run --shard {order.shard}" in behind.fix
    assert f"pizza cdc drop-slots --shard {order.shard}" in behind.fix
