"""Per-database CDC health: slot lag in bytes and seconds, and which relay (if any) is active."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import psycopg

from pizza.config import PlatformSettings
from streaming.relay.app import capture_targets, slot_name
from streaming.relay.slot import RelayLock, ReplicationSlot, SlotLag
from streaming.settings import CdcSettings


@dataclass(frozen=True, slots=True)
class ShardStatus:
    shard: str
    lag: SlotLag | None
    relay_pid: int | None  # backend pid of the active relay's session
    error: str | None = None


def shard_status(
    platform: PlatformSettings, settings: CdcSettings, shards: Sequence[str] | None = None
) -> list[ShardStatus]:
    out = []
    for shard, dsn in capture_targets(platform, shards).items():
        name = slot_name(settings, shard)
        try:
            with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
                lag = ReplicationSlot(conn, name, settings.capture_schemas).lag()
                out.append(ShardStatus(shard, lag, RelayLock(conn, name).holder()))
        except psycopg.Error as exc:
            out.append(ShardStatus(shard, None, None, str(exc).strip()))
    return out


def drop_slots(platform: PlatformSettings, settings: CdcSettings, shards: Sequence[str] | None = None) -> list[str]:
    """Drop the relay's slots (decommissioning, tests). WAL is released; unpublished changes are lost."""
    dropped = []
    for shard, dsn in capture_targets(platform, shards).items():
        with psycopg.connect(dsn, autocommit=True) as conn:
            if ReplicationSlot(conn, slot_name(settings, shard), settings.capture_schemas).drop():
                dropped.append(shard)
    return dropped
