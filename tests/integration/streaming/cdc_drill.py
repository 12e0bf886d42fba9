"""Helpers for the streaming tests: write orders the way the API does, and read topics back.

``OrderWriter`` writes an order, its items, its status history and its outbox event in one
transaction on the user's shard (routed by the catalog's shard map), so these tests do not depend
on the API. ``read_topics`` reads whole topics from the beginning by direct assignment (no group
join), keeping only the messages a test is interested in.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg
from confluent_kafka import OFFSET_BEGINNING, Consumer, Message, TopicPartition
from psycopg.types.json import Jsonb

from pizza.config import PlatformSettings
from pizza.contracts.events import OrderCreated, OrderLine, OrderStatusChanged, OutboxEvent
from pizza.db.shards import ShardMap
from pizza.ids import new_id


@dataclass
class PlacedOrder:
    order_id: uuid.UUID
    user_id: uuid.UUID
    restaurant_id: uuid.UUID
    shard: str
    created_at: datetime
    lines: int
    statuses: list[str] = field(default_factory=lambda: ["PENDING"])


class OrderWriter:
    def __init__(self, settings: PlatformSettings, *, synchronous_commit: bool = True) -> None:
        with psycopg.connect(settings.catalog) as conn:
            self.shard_map = ShardMap.load(conn)
        self.conns = {name: psycopg.connect(dsn, autocommit=True) for name, dsn in settings.shards.items()}
        if not synchronous_commit:  # commits return before their WAL is flushed: fast bursts, and the relay
            for conn in self.conns.values():  # must still never confirm past a commit it has not read
                conn.execute("SET synchronous_commit = off")
        self.catalog = psycopg.connect(settings.catalog)
        self.event_ids: list[uuid.UUID] = []  # every outbox event committed, in commit order

    def place(self, lines: int = 2, *, idempotency_key: str | None = None) -> PlacedOrder:
        user_id, order_id, restaurant_id = new_id(), new_id(), new_id()
        shard = self.shard_map.shard_for_user(user_id)
        created_at = datetime.now(UTC)
        items = [
            OrderLine(menu_item_id=f"m{n}", name=f"Pizza {n}", size="M", quantity=1, unit_price_cents=900 + n)
            for n in range(lines)
        ]
        subtotal = sum(i.unit_price_cents * i.quantity for i in items)
        event = OutboxEvent.of(
            OrderCreated(
                order_id=order_id,
                user_id=user_id,
                restaurant_id=restaurant_id,
                city="Napoli",
                currency="EUR",
                subtotal_cents=subtotal,
                discount_cents=0,
                delivery_fee_cents=0,
                total_cents=subtotal,
                items=items,
                created_at=created_at,
            )
        )
        conn = self.conns[shard]
        with conn.transaction():
            conn.execute(
                "INSERT INTO orders (order_id, user_id, restaurant_id, status, currency, subtotal_cents, total_cents,"
                " city, delivery_address, idempotency_key, created_at, updated_at)"
                " VALUES (%s, %s, %s, 'PENDING', 'EUR', %s, %s, 'Napoli', %s, %s, %s, %s)",
                (
                    order_id,
                    user_id,
                    restaurant_id,
                    subtotal,
                    subtotal,
                    Jsonb({"line1": "Via Roma 1"}),
                    idempotency_key,
                    created_at,
                    created_at,
                ),
            )
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO order_items (order_id, line_no, order_created_at, menu_item_id, name, size, quantity,"
                    " unit_price_cents, line_total_cents) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    [
                        (
                            order_id,
                            n,
                            created_at,
                            i.menu_item_id,
                            i.name,
                            i.size,
                            i.quantity,
                            i.unit_price_cents,
                            i.unit_price_cents * i.quantity,
                        )
                        for n, i in enumerate(items)
                    ],
                )
            conn.execute(
                "INSERT INTO order_status_history (order_id, seq, from_status, to_status)"
                " VALUES (%s, 1, NULL, 'PENDING')",
                (order_id,),
            )
            if idempotency_key is not None:
                conn.execute(
                    "INSERT INTO idempotency_keys (user_id, key, request_hash, order_id) VALUES (%s, %s, 'h', %s)",
                    (user_id, idempotency_key, order_id),
                )
            self._outbox(conn, event)
        self.event_ids.append(event.event_id)
        return PlacedOrder(order_id, user_id, restaurant_id, shard, created_at, lines)

    def change_status(self, order: PlacedOrder, to_status: str) -> None:
        conn = self.conns[order.shard]
        from_status = order.statuses[-1]
        changed_at = datetime.now(UTC)
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
            self._outbox(conn, event)
        self.event_ids.append(event.event_id)
        order.statuses.append(to_status)

    def add_coupon(self, code: str) -> None:
        with self.catalog.transaction():
            self.catalog.execute("INSERT INTO coupons (code, kind, value) VALUES (%s, 'percentage', 10)", (code,))
            self.catalog.execute("UPDATE coupons SET uses = uses + 1 WHERE code = %s", (code,))

    @staticmethod
    def _outbox(conn: psycopg.Connection, event: OutboxEvent) -> None:
        conn.execute(
            "INSERT INTO outbox (event_id, aggregate_type, aggregate_id, event_type, schema_version, payload, headers)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                event.event_id,
                event.aggregate_type,
                event.aggregate_id,
                event.event_type,
                event.schema_version,
                Jsonb(event.payload),
                Jsonb(event.headers),
            ),
        )

    def close(self) -> None:
        for conn in [*self.conns.values(), self.catalog]:
            conn.close()


def read_topics(
    bootstrap: str,
    topics: Iterable[str],
    keep: Callable[[Message], bool],
    expected: int,
    timeout_s: float = 30.0,
    settle_s: float = 1.0,
) -> list[Message]:
    """Kept messages of ``topics`` from the beginning; waits for ``expected`` of them, then ``settle_s``
    more to catch any extra (duplicates), and returns them in (topic, partition, offset) order."""
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"test-{uuid.uuid4().hex}", "enable.auto.commit": False}
    )
    try:
        metadata = consumer.list_topics(timeout=10).topics
        consumer.assign(
            [TopicPartition(t, p, OFFSET_BEGINNING) for t in topics if t in metadata for p in metadata[t].partitions]
        )
        kept: list[Message] = []
        deadline = time.monotonic() + timeout_s
        settle_until: float | None = None
        while time.monotonic() < (settle_until or deadline):
            for message in consumer.consume(500, timeout=0.2):
                if message.error() is None and keep(message):
                    kept.append(message)
            if settle_until is None and len(kept) >= expected:
                settle_until = time.monotonic() + settle_s
        return sorted(kept, key=lambda m: (m.topic(), m.partition(), m.offset()))
    finally:
        consumer.close()


def value_of(message: Message) -> dict:
    return json.loads(message.value() or b"{}")
