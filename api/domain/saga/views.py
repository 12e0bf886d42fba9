"""Read-only views of sagas for operators (``pizza saga show`` / ``pizza saga escalated``).

A saga lives on its customer's shard; given only an order id, these look on every shard.
"""

from __future__ import annotations

import uuid
from typing import Any

from api.db import Databases
from api.domain.saga import repositories as repo
from api.domain.saga.states import Saga
from pizza.config import PlatformSettings


async def find_saga(platform: PlatformSettings, order_id: uuid.UUID) -> tuple[str, Saga, list[dict[str, Any]]] | None:
    db = Databases(platform, min_size=1, max_size=2)
    await db.open()
    try:
        for name, pool in sorted(db.shards.items()):
            async with pool.connection() as conn:
                saga = await repo.get(conn, order_id)
                if saga is not None:
                    return name, saga, await repo.steps(conn, order_id)
        return None
    finally:
        await db.close()


async def escalated_sagas(platform: PlatformSettings, limit: int) -> list[tuple[str, Saga]]:
    db = Databases(platform, min_size=1, max_size=2)
    await db.open()
    try:
        found: list[tuple[str, Saga]] = []
        for name, pool in sorted(db.shards.items()):
            async with pool.connection() as conn:
                found += [(name, saga) for saga in await repo.escalated(conn, limit)]
        return sorted(found, key=lambda item: item[1].escalated_at or item[1].order_id.hex)
    finally:
        await db.close()
