"""The saga repairs the restaurant projection: a write of it lost while the catalog was unreachable is redone
from the shard by the order's next event, so the kitchen's queue never misses a paid order.

The lost write is what a failed ``OrderService.project`` leaves behind: the catalog row one status behind
the shard. The unreachable catalog is a real one: a pool pointed at a port nothing listens on.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row
from saga_world import SagaWorld

from api.db import Databases
from api.domain.saga import SagaOrchestrator
from pizza.db.connections import pg_pool
from pizza.messaging.messagelog import was_processed

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

OrderOf = Callable[..., tuple[Any, dict[str, Any]]]


def projection(world: SagaWorld, order_id: str) -> dict[str, Any] | None:
    with psycopg.connect(world.stack.catalog, row_factory=dict_row) as conn:
        return conn.execute(
            "SELECT status, status_seq FROM restaurant_orders WHERE order_id = %s", (order_id,)
        ).fetchone()


def lose_the_last_projection_write(world: SagaWorld, order_id: str) -> None:
    """The catalog row as a failed write leaves it: still at the order's first status."""
    with psycopg.connect(world.stack.catalog) as conn:
        conn.execute("UPDATE restaurant_orders SET status = 'PENDING', status_seq = 1 WHERE order_id = %s", (order_id,))


async def test_a_lost_projection_write_is_redone_by_the_next_saga_step(
    world: SagaWorld, customer: Any, order_of: OrderOf
) -> None:
    _restaurant, order = order_of(customer)
    oid, uid = order["order_id"], customer.user_id
    envelopes = world.outbox(uid, oid)
    assert [e.event_type for e in envelopes] == ["OrderCreated"]
    await world.feed(envelopes)  # charged: PaymentSucceeded and the PAID status change are in the outbox now
    assert projection(world, oid) == {"status": "PAID", "status_seq": 2}

    lose_the_last_projection_write(world, oid)  # the payment's projection write never reached the catalog
    later = world.outbox(uid, oid)[len(envelopes) :]
    assert await world.feed(later) == ["advanced", "stale"]  # PaymentSucceeded, then OrderStatusChanged(PAID)
    assert projection(world, oid) == {"status": "PAID", "status_seq": 2}  # the kitchen sees the order again


async def test_with_the_catalog_unreachable_the_step_fails_and_its_event_repairs_the_row_later(
    world: SagaWorld, customer: Any, order_of: OrderOf
) -> None:
    _restaurant, order = order_of(customer)
    oid, uid = order["order_id"], customer.user_id
    created = world.outbox(uid, oid)
    await world.feed(created)
    lose_the_last_projection_write(world, oid)
    paid = world.outbox(uid, oid)[len(created) :]

    cut_off = Databases(world.stack)  # the same shards, and a catalog nothing answers for
    cut_off.shards, cut_off.shard_map = world.db.shards, world.db.shard_map
    cut_off.catalog = pg_pool("postgresql://postgres@127.0.0.1:9/pizza_catalog", name="gone", timeout=1)
    await cut_off.catalog.open(wait=False)
    try:
        orchestrator = SagaOrchestrator(cut_off, world.participants, world.orchestrator.deadlines, clock=world.clock)
        with pytest.raises(psycopg.OperationalError):  # transient for the consumer: the message is polled again
            await orchestrator.handle(paid[0], paid[0].parse())
    finally:
        await cut_off.catalog.close()
    async with world.db.pool_for_user(uid).connection() as conn:
        assert not await was_processed(conn, "saga", paid[0].event_id)  # rolled back with the step
    assert projection(world, oid) == {"status": "PENDING", "status_seq": 1}

    assert await world.feed(paid) == ["advanced", "stale"]  # the catalog is back: redelivered, applied once
    assert projection(world, oid) == {"status": "PAID", "status_seq": 2}
    saga = await world.saga(uid, uuid.UUID(oid))
    assert saga.state == "AWAITING_KITCHEN"
