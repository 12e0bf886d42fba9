"""Reads of payments for the HTTP endpoints: by id or order on the owner's shard, or across every shard."""

from __future__ import annotations

import uuid

from api.db import Databases
from api.domain.payments import repositories as repo
from api.lib.errors import NotFoundError


class PaymentQueries:
    def __init__(self, db: Databases) -> None:
        self.db = db

    async def find(self, payment_id: uuid.UUID) -> repo.Row:
        """A payment by id on whichever shard holds it (admin paths; fans out to every shard)."""
        for pool in self.db.shards.values():
            async with pool.connection() as conn:
                row = await repo.get(conn, payment_id)
            if row is not None:
                return row
        raise NotFoundError(f"payment {payment_id} not found")

    async def for_order(self, order_id: uuid.UUID, user_id: uuid.UUID | None) -> list[repo.Row]:
        """The order's payments: on the customer's shard, or (admin, ``user_id`` None) on every shard."""
        if user_id is not None:
            async with self.db.pool_for_user(user_id).connection() as conn:
                return await repo.list_for_order(conn, order_id, user_id)
        rows: list[repo.Row] = []
        for pool in self.db.shards.values():
            async with pool.connection() as conn:
                rows += await repo.list_for_order(conn, order_id, None)
        return rows

    async def actions_for(self, user_id: uuid.UUID, payment_ids: list[uuid.UUID]) -> dict[uuid.UUID, repo.Row]:
        """The customer's payments waiting on them (3-D Secure), by payment id."""
        async with self.db.pool_for_user(user_id).connection() as conn:
            return await repo.actions_for(conn, payment_ids)

    async def in_review(self, limit: int = 100) -> list[repo.Row]:
        rows: list[repo.Row] = []
        for pool in self.db.shards.values():
            async with pool.connection() as conn:
                rows += await repo.list_in_review(conn, limit)
        return sorted(rows, key=lambda r: r["created_at"])[:limit]
