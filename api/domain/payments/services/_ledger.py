"""Every state change of a payment, shared by all the jobs of the service.

A change is a guarded update (``WHERE status = ...``: a repeated call finds the work done and changes
nothing), written with its outbox event and, where the order moves with it, the order's change, in one
transaction on the user's shard. Counting happens after the commit, once per change.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter
from psycopg import AsyncConnection

from api.db import Databases
from api.domain.payments import repositories as repo
from api.domain.payments.services._gateway import RetryingGateway
from api.domain.payments.services._ports import OrderStatusPort
from api.lib.errors import ConflictError, NotFoundError
from api.lib.outbox import write_outbox
from pizza.contracts.events import OrderStatus, PaymentFailed, PaymentRefunded, PaymentSucceeded
from pizza.logs import get_logger

log = get_logger(__name__)
PAYMENTS = Counter("pizza_payments_total", "Payments reaching a state", ["provider", "status"])
Statuses = tuple[str, ...]
Fields = dict[str, Any]


class OrderNotPayable(Exception):
    """The order moved on (cancelled) while its payment was in flight: the money goes back."""


@dataclass(frozen=True, slots=True)
class PaymentResult:
    payment: repo.Row
    changed: bool  # False: a repeated call found the work already done

    @property
    def status(self) -> str:
        return str(self.payment["status"])

    @classmethod
    def of(cls, done: repo.Row | None, before: repo.Row) -> PaymentResult:
        return cls(done, changed=True) if done else cls(before, changed=False)


def count(done: repo.Row | None, before: repo.Row) -> None:
    """Count a committed change (none when a repeated call changed nothing)."""
    if done:
        PAYMENTS.labels(before["provider"], done["status"]).inc()


def counted(done: repo.Row | None, before: repo.Row) -> PaymentResult:
    count(done, before)
    return PaymentResult.of(done, before)


def _event_facts(payment: repo.Row) -> dict[str, Any]:
    """What every payment event says of its payment, whatever happened to it."""
    return {
        "order_id": payment["order_id"],
        "payment_id": payment["payment_id"],
        "user_id": payment["user_id"],
        "amount_cents": payment["amount_cents"],
        "currency": payment["currency"],
        "provider": payment["provider"],
    }


@dataclass(slots=True)
class ShardWork:
    """An open transaction on the user's shard, and the order changes to finish once it has committed."""

    conn: AsyncConnection[Any]
    order_changes: list[object] = field(default_factory=list)


class PaymentLedger:
    def __init__(self, db: Databases, gateway: RetryingGateway, orders: OrderStatusPort) -> None:
        self.db, self.gateway, self.orders = db, gateway, orders

    @asynccontextmanager
    async def tx(self, user_id: uuid.UUID) -> AsyncIterator[ShardWork]:
        """A transaction on the user's shard; order changes collected in it are finished after the commit."""
        async with self.db.user_tx(user_id) as conn:
            work = ShardWork(conn)
            yield work
        for change in work.order_changes:
            await self.orders.after_commit(change)

    async def succeed(self, row: repo.Row, from_statuses: Statuses, fields: Fields) -> PaymentResult:
        try:
            async with self.tx(row["user_id"]) as work:
                done = await self.succeed_in(work, row, from_statuses, fields)
        except OrderNotPayable:
            return await self.refund_unpayable(row, from_statuses, fields)
        return counted(done, row)

    async def succeed_in(
        self, work: ShardWork, row: repo.Row, from_statuses: Statuses, fields: Fields
    ) -> repo.Row | None:
        done = await repo.transition(work.conn, row["payment_id"], from_statuses, status="SUCCEEDED", **fields)
        if done:
            await write_outbox(work.conn, PaymentSucceeded(**_event_facts(done), provider_ref=done["provider_ref"]))
            try:
                work.order_changes.append(await self._move_order(work, done, "PAID", "payment succeeded"))
            except (ConflictError, NotFoundError) as exc:
                raise OrderNotPayable(str(exc)) from exc
        return done

    async def fail(self, row: repo.Row, from_statuses: Statuses, reason: str, fields: Fields) -> PaymentResult:
        async with self.tx(row["user_id"]) as work:
            done = await self.fail_in(work, row, from_statuses, reason, fields)
        return counted(done, row)

    async def fail_in(
        self, work: ShardWork, row: repo.Row, from_statuses: Statuses, reason: str, fields: Fields
    ) -> repo.Row | None:
        done = await repo.transition(
            work.conn, row["payment_id"], from_statuses, status="FAILED", failure_reason=reason, **fields
        )
        if done:
            await write_outbox(work.conn, PaymentFailed(**_event_facts(done), reason=reason))
            try:
                work.order_changes.append(await self._move_order(work, done, "CANCELLED", f"payment failed: {reason}"))
            except (ConflictError, NotFoundError) as exc:  # already cancelled: nothing left to move
                log.info("order not cancelled by the failed payment", order_id=str(done["order_id"]), why=str(exc))
        return done

    async def refund_in(
        self, conn: AsyncConnection[Any], payment_id: uuid.UUID, from_statuses: Statuses, **fields: Any
    ) -> repo.Row | None:
        """Mark the payment refunded, if it is still in ``from_statuses``, with its ``PaymentRefunded`` event."""
        done = await repo.transition(
            conn, payment_id, from_statuses, status="REFUNDED", refunded_at=datetime.now(UTC), **fields
        )
        if done:
            await write_outbox(conn, PaymentRefunded(**_event_facts(done)))
        return done

    async def refund_unpayable(self, row: repo.Row, from_statuses: Statuses, fields: Fields) -> PaymentResult:
        """Captured, but the order was cancelled meanwhile: refund at once (same key on every retry)."""
        log.warning("order cancelled while paying; refunding", payment_id=str(row["payment_id"]))
        refund = await self.gateway.refund(row, fields.get("provider_ref") or row["provider_ref"])
        async with self.db.user_tx(row["user_id"]) as conn:
            done = await self.refund_in(
                conn,
                row["payment_id"],
                from_statuses,
                refund_ref=refund.provider_ref,
                failure_reason="order cancelled while paying",
                **fields,
            )
        return counted(done, row)

    async def _move_order(self, work: ShardWork, payment: repo.Row, to: OrderStatus, reason: str) -> object:
        return await self.orders.change_in_tx(
            work.conn, order_id=payment["order_id"], user_id=payment["user_id"], to_status=to, reason=reason
        )
