"""Identifiers: time-ordered UUIDv7, so B-tree inserts stay append-mostly on every shard."""

from __future__ import annotations

import os
import time
import uuid
from datetime import datetime


def new_id(at: datetime | None = None) -> uuid.UUID:
    """A UUIDv7 (RFC 9562): 48-bit Unix milliseconds (now, or ``at`` for back-dated records), 74 random bits."""
    ms = int(at.timestamp() * 1000) if at is not None else time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version 7
    value |= ((rand >> 62) & 0xFFF) << 64  # rand_a, 12 bits
    value |= 0b10 << 62  # RFC 4122 variant
    value |= rand & ((1 << 62) - 1)  # rand_b, 62 bits
    return uuid.UUID(int=value)
