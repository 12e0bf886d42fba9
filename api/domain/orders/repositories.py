"""Data access of the ordering domain. SQL lives here only; services decide, repositories read and write.

- ``OrderRepository``: one shard connection (inside ``Databases.user_tx``), every order row of a user.
- ``RestaurantOrders``: the catalog projection ``restaurant_orders`` that serves restaurant queues and
  tells staff requests which user (hence shard) owns an order.
- ``RefundRequests``: staff refunds on the order's shard, within the caps or waiting for an admin.
- ``restaurant_for_order`` / ``menu_document``: the catalog restaurant row and the MongoDB menu.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from pymongo.asynchronous.database import AsyncDatabase

from api.domain.orders.pagination import Position
from api.domain.orders.pricing import PricedLine
from api.domain.orders.states import ACTIVE_STATUSES
from api.lib.outbox import write_outbox
from pizza.contracts.events import Event, OrderStatus, OutboxEvent

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class NewOrder:
    order_id: uuid.UUID
    created_at: datetime
    user_id: uuid.UUID
    restaurant_id: uuid.UUID
    currency: str
    subtotal_cents: int
    discount_cents: int
    delivery_fee_cents: int
    total_cents: int
    coupon_code: str | None
    city: str
    delivery_address: dict[str, Any]
    idempotency_key: str
    request_hash: str


class OrderRepository:
    """Orders of users on one shard. Every method runs in the caller's transaction."""

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self.conn = conn

    async def _one(self, sql: str, params: Sequence[Any] | dict[str, Any]) -> Row | None:
        cur = await self.conn.execute(sql, params)
        row: Row | None = await cur.fetchone()
        return row

    async def _all(self, sql: str, params: Sequence[Any] | dict[str, Any]) -> list[Row]:
        cur = await self.conn.execute(sql, params)
        rows: list[Row] = await cur.fetchall()
        return rows

    # --- idempotency ---------------------------------------------------------------------------
    async def claim_key(self, user_id: uuid.UUID, key: str, request_hash: str, order_id: uuid.UUID) -> bool:
        """Take the key for this order. A concurrent holder makes this wait for its commit or rollback;
        False means someone already committed an order under the key."""
        row = await self._one(
            """INSERT INTO idempotency_keys (user_id, key, request_hash, order_id) VALUES (%s, %s, %s, %s)
               ON CONFLICT (user_id, key) DO NOTHING RETURNING order_id""",
            (user_id, key, request_hash, order_id),
        )
        return row is not None

    async def key_holder(self, user_id: uuid.UUID, key: str) -> Row | None:
        return await self._one(
            "SELECT request_hash, order_id FROM idempotency_keys WHERE user_id = %s AND key = %s", (user_id, key)
        )

    # --- reads used while pricing -------------------------------------------------------------------
    async def lock_user(self, user_id: uuid.UUID) -> None:
        """Serialise this user's order creations (first-order coupons are decided per user)."""
        await self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"orders:{user_id}",))

    async def has_orders(self, user_id: uuid.UUID) -> bool:
        """Any order that was not called off: decides whether the next one is a "first order"."""
        row = await self._one(
            """SELECT EXISTS (SELECT 1 FROM orders
                               WHERE user_id = %s AND status NOT IN ('CANCELLED', 'REFUNDED')) AS any""",
            (user_id,),
        )
        return bool(row and row["any"])

    async def saved_address(self, user_id: uuid.UUID, address_id: uuid.UUID) -> Row | None:
        return await self._one(
            """SELECT line1, city, postcode, country, lat, lon FROM user_addresses
               WHERE address_id = %s AND user_id = %s""",
            (address_id, user_id),
        )

    # --- writes ---------------------------------------------------------------------------------------
    async def insert_order(self, order: NewOrder, lines: Sequence[PricedLine]) -> None:
        await self.conn.execute(
            """INSERT INTO orders (order_id, user_id, restaurant_id, status, currency, subtotal_cents,
                   discount_cents, delivery_fee_cents, total_cents, coupon_code, city, delivery_address,
                   delivery_lat, delivery_lon, idempotency_key, request_hash, created_at, updated_at)
               VALUES (%s, %s, %s, 'PENDING', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
            (
                order.order_id, order.user_id, order.restaurant_id, order.currency, order.subtotal_cents,
                order.discount_cents, order.delivery_fee_cents, order.total_cents, order.coupon_code, order.city,
                Jsonb(order.delivery_address), order.delivery_address["lat"], order.delivery_address["lon"],
                order.idempotency_key, order.request_hash, order.created_at, order.created_at,
            ),
        )  # fmt: skip
        async with self.conn.cursor() as cur:
            await cur.executemany(
                """INSERT INTO order_items (order_id, line_no, order_created_at, menu_item_id, name, size,
                       toppings, quantity, unit_price_cents, line_total_cents)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                [
                    (order.order_id, line.line_no, order.created_at, line.menu_item_id, line.name, line.size,
                     Jsonb(list(line.toppings)), line.quantity, line.unit_price_cents, line.line_total_cents)
                    for line in lines
                ],
            )  # fmt: skip

    async def add_first_history(
        self, order_id: uuid.UUID, to_status: OrderStatus, changed_by: str, changed_at: datetime
    ) -> None:
        """The history's first entry (seq 1) of a new order: no read, so it can be pipelined."""
        await self.conn.execute(
            """INSERT INTO order_status_history (order_id, seq, from_status, to_status, changed_by, changed_at)
               VALUES (%s, 1, NULL, %s, %s, %s)""",
            (order_id, to_status, changed_by, changed_at),
        )

    async def add_history(
        self,
        order_id: uuid.UUID,
        from_status: OrderStatus | None,
        to_status: OrderStatus,
        changed_by: str,
        changed_at: datetime,
        reason: str | None = None,
    ) -> int:
        """Append to the order's status history; the sequence number orders the projection's updates."""
        row = await self._one(
            """INSERT INTO order_status_history (order_id, seq, from_status, to_status, reason, changed_by, changed_at)
               SELECT %s, coalesce(max(seq), 0) + 1, %s, %s, %s, %s, %s
                 FROM order_status_history WHERE order_id = %s
               RETURNING seq""",
            (order_id, from_status, to_status, reason, changed_by, changed_at, order_id),
        )
        assert row is not None
        return int(row["seq"])

    async def add_outbox(self, event: Event) -> OutboxEvent:
        return await write_outbox(self.conn, event)

    async def set_status(
        self,
        order_id: uuid.UUID,
        created_at: datetime,
        status: OrderStatus,
        estimated_ready_at: datetime | None,
        changed_at: datetime,
    ) -> None:
        await self.conn.execute(
            """UPDATE orders SET status = %s, updated_at = %s, estimated_ready_at = coalesce(%s, estimated_ready_at)
                WHERE order_id = %s AND created_at = %s""",
            (status, changed_at, estimated_ready_at, order_id, created_at),
        )

    # --- reads ---------------------------------------------------------------------------------------
    async def get(self, order_id: uuid.UUID, created_at: datetime, *, for_update: bool = False) -> Row | None:
        """One order by its full primary key: the id names the partition (see ``partitioning``)."""
        lock = " FOR UPDATE" if for_update else ""
        sql = f"SELECT * FROM orders WHERE order_id = %s AND created_at = %s{lock}"
        return await self._one(sql, (order_id, created_at))

    async def items(self, order_id: uuid.UUID, created_at: datetime) -> list[Row]:
        return await self._all(
            "SELECT * FROM order_items WHERE order_id = %s AND order_created_at = %s ORDER BY line_no",
            (order_id, created_at),
        )

    async def history(self, order_id: uuid.UUID) -> list[Row]:
        return await self._all("SELECT * FROM order_status_history WHERE order_id = %s ORDER BY seq", (order_id,))

    async def page_for_user(self, user_id: uuid.UUID, cursor: Position | None, limit: int) -> list[Row]:
        """Newest first, keyset on ``(created_at, order_id)`` over the ``(user_id, created_at)`` index."""
        after = "AND (o.created_at, o.order_id) < (%(at)s, %(id)s)" if cursor else ""
        return await self._all(
            f"""SELECT o.order_id, o.user_id, o.restaurant_id, o.status, o.currency, o.total_cents,
                       o.estimated_ready_at, o.created_at, o.updated_at,
                       (SELECT coalesce(sum(i.quantity), 0) FROM order_items i
                         WHERE i.order_id = o.order_id AND i.order_created_at = o.created_at) AS item_count
                  FROM orders o
                 WHERE o.user_id = %(user)s {after}
                 ORDER BY o.created_at DESC, o.order_id DESC
                 LIMIT %(limit)s""",
            {"user": user_id, "at": cursor.created_at if cursor else None,
             "id": cursor.order_id if cursor else None, "limit": limit},
        )  # fmt: skip

    async def projection_rows(self, created_since: datetime, after: Position | None, limit: int) -> list[Row]:
        """Orders created since a time, oldest first, shaped as ``restaurant_orders`` rows (for repairs).

        The time bound prunes to the recent monthly partitions; ``status_seq`` is the history's last entry.
        """
        after_clause = "AND (o.created_at, o.order_id) > (%(at)s, %(id)s)" if after else ""
        return await self._all(
            f"""{PROJECTION_SELECT}
                 WHERE o.created_at >= %(since)s {after_clause}
                 ORDER BY o.created_at, o.order_id
                 LIMIT %(limit)s""",
            {"since": created_since, "at": after.created_at if after else None,
             "id": after.order_id if after else None, "limit": limit},
        )  # fmt: skip

    async def projection_row(self, order_id: uuid.UUID, created_at: datetime) -> Row | None:
        """One order shaped as its ``restaurant_orders`` row (the saga's repair of a missed projection write)."""
        return await self._one(
            f"{PROJECTION_SELECT} WHERE o.order_id = %(id)s AND o.created_at = %(at)s",
            {"id": order_id, "at": created_at},
        )


PROJECTION_SELECT = """SELECT o.order_id, o.restaurant_id, o.user_id, o.status, o.currency, o.total_cents,
                       o.estimated_ready_at, o.created_at, o.updated_at,
                       (SELECT coalesce(max(h.seq), 1) FROM order_status_history h
                         WHERE h.order_id = o.order_id) AS status_seq,
                       (SELECT coalesce(sum(i.quantity), 0) FROM order_items i
                         WHERE i.order_id = o.order_id AND i.order_created_at = o.created_at) AS item_count
                  FROM orders o"""
"""An order as its projection row; ``status_seq`` is the history's last entry."""


class RestaurantOrders:
    """The catalog projection of every order, keyed by restaurant: the staff queue without a shard fan-out."""

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self.conn = conn

    async def upsert(self, row: dict[str, Any]) -> None:
        """Insert or move forward; a late, older write (lower ``status_seq``) never overwrites a newer one."""
        await self.conn.execute(
            """INSERT INTO restaurant_orders (order_id, restaurant_id, user_id, status, status_seq, currency,
                   total_cents, item_count, estimated_ready_at, created_at, updated_at)
               VALUES (%(order_id)s, %(restaurant_id)s, %(user_id)s, %(status)s, %(status_seq)s, %(currency)s,
                   %(total_cents)s, %(item_count)s, %(estimated_ready_at)s, %(created_at)s, %(updated_at)s)
               ON CONFLICT (order_id) DO UPDATE SET
                   status = EXCLUDED.status, status_seq = EXCLUDED.status_seq,
                   estimated_ready_at = EXCLUDED.estimated_ready_at, updated_at = EXCLUDED.updated_at
               WHERE restaurant_orders.status_seq < EXCLUDED.status_seq""",
            row,
        )

    async def get(self, order_id: uuid.UUID) -> Row | None:
        cur = await self.conn.execute("SELECT * FROM restaurant_orders WHERE order_id = %s", (order_id,))
        row: Row | None = await cur.fetchone()
        return row

    async def page(
        self, restaurant_id: uuid.UUID, statuses: Sequence[str] | None, cursor: Position | None, limit: int
    ) -> list[Row]:
        """Newest first. With only active statuses asked for, the partial index serves the query."""
        where = ["restaurant_id = %(restaurant)s"]
        if statuses:
            where.append("status = ANY(%(statuses)s)")
            if set(statuses) <= set(ACTIVE_STATUSES):
                where.append(f"status IN ({', '.join(repr(s) for s in ACTIVE_STATUSES)})")
        if cursor:
            where.append("(created_at, order_id) < (%(at)s, %(id)s)")
        cur = await self.conn.execute(
            f"""SELECT * FROM restaurant_orders WHERE {" AND ".join(where)}
                 ORDER BY created_at DESC, order_id DESC LIMIT %(limit)s""",
            {"restaurant": restaurant_id, "statuses": list(statuses or []),
             "at": cursor.created_at if cursor else None, "id": cursor.order_id if cursor else None, "limit": limit},
        )  # fmt: skip
        rows: list[Row] = await cur.fetchall()
        return rows


class RefundRequests:
    """``refund_requests`` on one shard: staff refunds, made within the caps or held, and the admin's decision."""

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self.conn = conn

    async def insert(self, row: dict[str, Any]) -> Row:
        cur = await self.conn.execute(
            """INSERT INTO refund_requests (request_id, order_id, user_id, restaurant_id, amount_cents, currency,
                   status, hold_reason, requested_by, request_reason)
               VALUES (%(request_id)s, %(order_id)s, %(user_id)s, %(restaurant_id)s, %(amount_cents)s,
                   %(currency)s, %(status)s, %(hold_reason)s, %(requested_by)s, %(request_reason)s)
               RETURNING *""",
            row,
        )
        inserted: Row | None = await cur.fetchone()
        assert inserted is not None
        return inserted

    async def get(self, request_id: uuid.UUID, *, for_update: bool = False) -> Row | None:
        lock = " FOR UPDATE" if for_update else ""
        cur = await self.conn.execute(f"SELECT * FROM refund_requests WHERE request_id = %s{lock}", (request_id,))
        row: Row | None = await cur.fetchone()
        return row

    async def pending_for_order(self, order_id: uuid.UUID) -> Row | None:
        cur = await self.conn.execute(
            "SELECT * FROM refund_requests WHERE order_id = %s AND status = 'pending'", (order_id,)
        )
        row: Row | None = await cur.fetchone()
        return row

    async def decide(self, request_id: uuid.UUID, status: str, admin_id: uuid.UUID, reason: str | None) -> Row | None:
        """Approve or reject a request still pending (None when it no longer is)."""
        cur = await self.conn.execute(
            """UPDATE refund_requests SET status = %s, decided_by = %s, decided_at = now(), decision_reason = %s,
                   updated_at = now()
                WHERE request_id = %s AND status = 'pending' RETURNING *""",
            (status, admin_id, reason, request_id),
        )
        row: Row | None = await cur.fetchone()
        return row

    async def page(self, status: str, limit: int) -> list[Row]:
        """Pending requests oldest first (a queue); the others newest first (a history)."""
        order = "ASC" if status == "pending" else "DESC"
        cur = await self.conn.execute(
            f"SELECT * FROM refund_requests WHERE status = %s ORDER BY request_id {order} LIMIT %s", (status, limit)
        )
        rows: list[Row] = await cur.fetchall()
        return rows

    async def refunded_alone_since(self, staff_id: uuid.UUID, since: datetime) -> dict[str, int]:
        """What ``staff_id`` refunded within the caps on this shard since ``since``, per currency."""
        cur = await self.conn.execute(
            """SELECT currency, sum(amount_cents)::bigint AS total FROM refund_requests
                WHERE requested_by = %s AND status = 'within_cap' AND created_at >= %s GROUP BY currency""",
            (staff_id, since),
        )
        return {r["currency"]: r["total"] for r in await cur.fetchall()}


async def restaurant_for_order(conn: psycopg.AsyncConnection[Any], restaurant_id: uuid.UUID) -> Row | None:
    """The facts pricing needs, with "open now" evaluated in the restaurant's own time zone."""
    cur = await conn.execute(
        """SELECT restaurant_id, name, city, currency, lat, lon, is_active,
                  restaurant_is_open(opening_hours, timezone, now()) AS is_open
             FROM restaurants WHERE restaurant_id = %s""",
        (restaurant_id,),
    )
    row: Row | None = await cur.fetchone()
    return row


async def menu_document(mongo: AsyncDatabase[dict[str, Any]], restaurant_id: uuid.UUID) -> dict[str, Any] | None:
    """The restaurant's menu as stored in MongoDB (the source of truth for prices)."""
    return await mongo["menus"].find_one({"_id": str(restaurant_id)})
