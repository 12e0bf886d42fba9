"""The shards in tests: orders written the way the API writes them, and what a write left behind read
back (a user's shard, an aggregate's outbox rows).

Writing without the API serves the tests of what reads the shards (CDC, the lake sink, the batch chain).

Each write is one transaction on the user's shard (routed by the catalog's shard map): the order, its
items and first history row, optionally the user and the payment, and the outbox event; each status
change updates the order (and payment), adds a history row and its event.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from pizza.config import PlatformSettings
from pizza.contracts.events import OrderCreated, OrderLine, OrderStatusChanged, OutboxEvent
from pizza.db.shards import ShardMap
from pizza.ids import new_id


def shard_dsn(stack: PlatformSettings, user_id: uuid.UUID) -> str:
    """The DSN of the shard the catalog's shard map gives ``user_id``."""
    with psycopg.connect(stack.catalog) as conn:
        return stack.shards[ShardMap.load(conn).shard_for_user(user_id)]


def outbox_rows(stack: PlatformSettings, user_id: uuid.UUID, aggregate_id: uuid.UUID | str) -> list[dict[str, Any]]:
    """The aggregate's outbox rows on the user's shard, in commit order."""
    with psycopg.connect(shard_dsn(stack, user_id), row_factory=dict_row) as conn:
        return conn.execute(
            "SELECT * FROM outbox WHERE aggregate_id = %s ORDER BY created_at, event_id", (str(aggregate_id),)
        ).fetchall()


def write_outbox(conn: psycopg.Connection, event: OutboxEvent) -> None:
    """The outbox row of ``event`` in the caller's transaction, its columns taken from the contract."""
    row: dict[str, Any] = event.model_dump()
    columns = ", ".join(row)
    values = [Jsonb(v) if isinstance(v, dict) else v for v in row.values()]
    conn.execute(f"INSERT INTO outbox ({columns}) VALUES ({', '.join(['%s'] * len(row))})", values)


@dataclass
class PlacedOrder:
    order_id: uuid.UUID
    user_id: uuid.UUID
    restaurant_id: uuid.UUID
    shard: str
    created_at: datetime
    lines: int
    statuses: list[str] = field(default_factory=lambda: ["PENDING"])
    paid_with: uuid.UUID | None = None  # the payment row, when one was written


class ShardOrderWriter:
    """Writes orders and their status changes straight to the shards; ``event_ids`` lists every outbox
    event committed, in commit order."""

    def __init__(self, settings: PlatformSettings, *, synchronous_commit: bool = True) -> None:
        with psycopg.connect(settings.catalog) as conn:
            self.shard_map = ShardMap.load(conn)
        self.conns = {name: psycopg.connect(dsn, autocommit=True) for name, dsn in settings.shards.items()}
        if not synchronous_commit:  # commits return before their WAL is flushed: fast bursts, and the relay
            for conn in self.conns.values():  # must still never confirm past a commit it has not read
                conn.execute("SET synchronous_commit = off")
        self.catalog = psycopg.connect(settings.catalog)
        self.event_ids: list[uuid.UUID] = []

    def place(
        self,
        lines: int = 2,
        *,
        idempotency_key: str | None = None,
        city: str = "Napoli",
        delivery_fee_cents: int = 0,
        with_user: bool = False,
        with_payment: bool = False,
    ) -> PlacedOrder:
        """A PENDING order of ``lines`` pizzas; ``with_user``/``with_payment`` also write those rows."""
        user_id, order_id, restaurant_id = new_id(), new_id(), new_id()
        shard = self.shard_map.shard_for_user(user_id)
        created_at = datetime.now(UTC)
        items = [
            OrderLine(menu_item_id=f"m{n}", name=f"Pizza {n}", size="M", quantity=n + 1, unit_price_cents=900 + n)
            for n in range(lines)
        ]
        subtotal = sum(i.unit_price_cents * i.quantity for i in items)
        total = subtotal + delivery_fee_cents
        created = OrderCreated(
            order_id=order_id, user_id=user_id, restaurant_id=restaurant_id, city=city, currency="EUR",
            subtotal_cents=subtotal, discount_cents=0, delivery_fee_cents=delivery_fee_cents, total_cents=total,
            items=items, created_at=created_at,
        )  # fmt: skip
        event = OutboxEvent.of(created)
        payment_id = new_id() if with_payment else None
        conn = self.conns[shard]
        with conn.transaction():
            if with_user:
                conn.execute(
                    "INSERT INTO users (user_id, email, name, password_hash, city) VALUES (%s, %s, 'Test', 'x', %s)",
                    (user_id, f"{user_id}@example.com", city),
                )
            conn.execute(
                "INSERT INTO orders (order_id, user_id, restaurant_id, status, currency, subtotal_cents,"
                " delivery_fee_cents, total_cents, city, delivery_address, idempotency_key, created_at, updated_at)"
                " VALUES (%s, %s, %s, 'PENDING', 'EUR', %s, %s, %s, %s, %s, %s, %s, %s)",
                (order_id, user_id, restaurant_id, subtotal, delivery_fee_cents, total, city,
                 Jsonb({"line1": "Via Roma 1"}), idempotency_key, created_at, created_at),
            )  # fmt: skip
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO order_items (order_id, line_no, order_created_at, menu_item_id, name, size, quantity,"
                    " unit_price_cents, line_total_cents) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    [
                        (order_id, n, created_at, i.menu_item_id, i.name, i.size, i.quantity, i.unit_price_cents,
                         i.unit_price_cents * i.quantity)
                        for n, i in enumerate(items, start=1)
                    ],
                )  # fmt: skip
            conn.execute(
                "INSERT INTO order_status_history (order_id, seq, from_status, to_status, changed_at)"
                " VALUES (%s, 1, NULL, 'PENDING', %s)",
                (order_id, created_at),
            )
            if payment_id is not None:
                conn.execute(
                    "INSERT INTO payments (payment_id, order_id, user_id, amount_cents, currency, status, provider,"
                    " created_at, updated_at) VALUES (%s, %s, %s, %s, 'EUR', 'PENDING', 'simulated', %s, %s)",
                    (payment_id, order_id, user_id, total, created_at, created_at),
                )
            if idempotency_key is not None:
                conn.execute(
                    "INSERT INTO idempotency_keys (user_id, key, request_hash, order_id) VALUES (%s, %s, 'h', %s)",
                    (user_id, idempotency_key, order_id),
                )
            write_outbox(conn, event)
        self.event_ids.append(event.event_id)
        return PlacedOrder(order_id, user_id, restaurant_id, shard, created_at, lines, paid_with=payment_id)

    def change_status(self, order: PlacedOrder, to_status: str, at: datetime | None = None) -> None:
        """One status change in one transaction; a payment row follows PAID (succeeded) and CANCELLED (failed)."""
        conn = self.conns[order.shard]
        from_status = order.statuses[-1]
        changed_at = at or datetime.now(UTC)
        event = OutboxEvent.of(
            OrderStatusChanged(
                order_id=order.order_id,
                user_id=order.user_id,
                restaurant_id=order.restaurant_id,
                from_status=from_status,  # type: ignore[arg-type]
                to_status=to_status,  # type: ignore[arg-type]
                changed_at=changed_at,
            )
        )
        with conn.transaction():
            conn.execute(
                "UPDATE orders SET status = %s, updated_at = %s WHERE order_id = %s AND created_at = %s",
                (to_status, changed_at, order.order_id, order.created_at),
            )
            conn.execute(
                "INSERT INTO order_status_history (order_id, seq, from_status, to_status, changed_at)"
                " VALUES (%s, %s, %s, %s, %s)",
                (order.order_id, len(order.statuses) + 1, from_status, to_status, changed_at),
            )
            if order.paid_with is not None and to_status in ("PAID", "CANCELLED"):
                conn.execute(
                    "UPDATE payments SET status = %s, updated_at = %s WHERE payment_id = %s",
                    ("SUCCEEDED" if to_status == "PAID" else "FAILED", changed_at, order.paid_with),
                )
            write_outbox(conn, event)
        self.event_ids.append(event.event_id)
        order.statuses.append(to_status)

    def add_coupon(self, code: str) -> None:
        """A coupon on the catalog, used once (an insert and an update in one transaction)."""
        with self.catalog.transaction():
            self.catalog.execute("INSERT INTO coupons (code, kind, value) VALUES (%s, 'percentage', 10)", (code,))
            self.catalog.execute("UPDATE coupons SET uses = uses + 1 WHERE code = %s", (code,))

    def close(self) -> None:
        for conn in [*self.conns.values(), self.catalog]:
            conn.close()
