"""The order id carries its own partition key.

Order ids are UUIDv7, whose first 48 bits are the Unix time in milliseconds. The service stores that
same instant as ``created_at`` (the monthly partition key), so a lookup by id alone can name the
partition (``WHERE order_id = $1 AND created_at = $2``) and probes one primary-key index instead of
one per monthly partition.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from pizza.ids import new_id

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def created_at_of(order_id: uuid.UUID) -> datetime | None:
    """The creation instant encoded in a UUIDv7, or None for ids that are not version 7."""
    if order_id.version != 7:
        return None
    return EPOCH + timedelta(milliseconds=order_id.int >> 80)


def new_order_id() -> tuple[uuid.UUID, datetime]:
    """A fresh order id and the ``created_at`` it encodes."""
    order_id = new_id()
    created_at = created_at_of(order_id)
    assert created_at is not None  # new_id() always makes version 7
    return order_id, created_at
