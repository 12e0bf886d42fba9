"""The saga worker's use of the message log: a shard transaction holding the message's entry."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from api.db import Databases
from pizza.messaging.messagelog import mark_processed


@asynccontextmanager
async def once(db: Databases, user_id: uuid.UUID | None, consumer: str, event_id: uuid.UUID) -> AsyncIterator[bool]:
    """A transaction on the user's shard (the catalog for events of no user) holding the log entry.

    Yields True for a new message: do the effect inside the block. An effect in another store (MongoDB,
    Redis, a provider) must be idempotent by itself: if the commit fails after it, the message comes
    back and the effect runs again. Raising inside the block rolls the entry back.
    """
    tx = db.user_tx(user_id) if user_id is not None else db.catalog_tx()
    async with tx as conn:
        yield await mark_processed(conn, consumer, event_id)
