"""Coupons in the catalog: one global table, so a usage limit is one row lock away from exact."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg

Row = dict[str, Any]
COLUMNS = (
    "code, kind, value, currency, city, first_order_only, min_subtotal_cents, max_uses, uses,"
    " valid_from, valid_until, created_at"
)


class CouponRepository:
    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self.conn = conn

    async def get(self, code: str, *, for_update: bool = False) -> Row | None:
        lock = " FOR UPDATE" if for_update else ""
        cur = await self.conn.execute(f"SELECT {COLUMNS} FROM coupons WHERE code = %s{lock}", (code,))
        row: Row | None = await cur.fetchone()
        return row

    async def create(self, values: dict[str, Any]) -> Row | None:
        """Insert; None when the code is taken."""
        cur = await self.conn.execute(
            f"""INSERT INTO coupons (code, kind, value, currency, city, first_order_only, min_subtotal_cents,
                    max_uses, valid_from, valid_until)
                VALUES (%(code)s, %(kind)s, %(value)s, %(currency)s, %(city)s, %(first_order_only)s,
                    %(min_subtotal_cents)s, %(max_uses)s, coalesce(%(valid_from)s, now()), %(valid_until)s)
                ON CONFLICT (code) DO NOTHING RETURNING {COLUMNS}""",
            values,
        )
        row: Row | None = await cur.fetchone()
        return row

    async def page(self, after: str | None, limit: int) -> list[Row]:
        cur = await self.conn.execute(
            f"""SELECT {COLUMNS} FROM coupons WHERE %(after)s::text IS NULL OR code > %(after)s
                 ORDER BY code LIMIT %(n)s""",
            {"after": after, "n": limit},
        )
        rows: list[Row] = await cur.fetchall()
        return rows

    async def record_use(self, code: str, order_id: uuid.UUID, user_id: uuid.UUID) -> None:
        """Count one use (the caller holds the coupon row lock and checked the limit)."""
        await self.conn.execute("UPDATE coupons SET uses = uses + 1 WHERE code = %s", (code,))
        await self.conn.execute(
            "INSERT INTO coupon_redemptions (code, order_id, user_id) VALUES (%s, %s, %s)", (code, order_id, user_id)
        )

    async def release_use(self, code: str, order_id: uuid.UUID) -> Row | None:
        """Hand a use back exactly once: the redemption row is the proof it was taken, and it is returned
        (None when this order holds no use of the coupon, e.g. it was given back already)."""
        cur = await self.conn.execute(
            "DELETE FROM coupon_redemptions WHERE code = %s AND order_id = %s RETURNING code, order_id, user_id",
            (code, order_id),
        )
        redemption: Row | None = await cur.fetchone()
        if redemption is not None:
            await self.conn.execute("UPDATE coupons SET uses = greatest(uses - 1, 0) WHERE code = %s", (code,))
        return redemption
