"""Refunds started by restaurant staff: made at once within the caps, held for an admin above them.

A refund within the caps is the ordinary move (``change_status_in_tx`` to REFUNDED, whose
``OrderStatusChanged`` has the saga refund the payment), committed with its ``within_cap`` request row
on the order's shard. Above a cap nothing moves and nothing reaches the gateway: a ``pending`` row
waits for an admin (``RefundDecisions``). A staff member's refunds are serialised by a transaction
advisory lock on their own shard, held while their last 24 hours are summed over every shard and the
new row commits, so concurrent refunds cannot each see room under the daily cap and pass it together.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import psycopg

from api.domain.orders import schemas
from api.domain.orders.partitioning import created_at_of
from api.domain.orders.refund_caps import RefundCaps, hold_reason
from api.domain.orders.repositories import OrderRepository, RefundRequests
from api.domain.orders.services._transitions import StatusChangeResult, actor_of, change_status_in_tx, check_move
from api.lib.auth import CurrentUser
from api.lib.errors import NotFoundError, UnprocessableError
from pizza.ids import new_id
from pizza.logs import get_logger

if TYPE_CHECKING:
    from api.domain.orders.services._orders import OrderService

log = get_logger(__name__)
DAY = timedelta(hours=24)
Outcome = schemas.Order | schemas.RefundRequest


class StaffRefunds:
    def __init__(self, orders: OrderService, caps: RefundCaps) -> None:
        self.orders, self.db, self.caps = orders, orders.db, caps

    async def request(
        self, user: CurrentUser, order_id: uuid.UUID, reason: str | None, estimated_ready_minutes: int | None
    ) -> Outcome:
        """The order refunded now (within the caps), or the request that waits for an admin."""
        if estimated_ready_minutes is not None:
            raise UnprocessableError("`estimated_ready_minutes` is given when accepting or starting to prepare")
        owner, restaurant_id = await self.orders.owner_of(user, order_id)
        change: StatusChangeResult | None = None
        async with self.db.user_tx(user.user_id) as own_shard:
            await own_shard.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"staff-refunds:{user.user_id}",)
            )
            refunded = await self.refunded_alone_since(user.user_id, datetime.now(UTC) - DAY)
            async with self.db.user_tx(owner) as conn:
                outcome, change = await self._request_in(conn, user, owner, order_id, restaurant_id, reason, refunded)
        if change is not None:
            await self.orders.project(change.order, change.seq)
        return outcome

    async def _request_in(
        self,
        conn: psycopg.AsyncConnection[Any],
        user: CurrentUser,
        owner: uuid.UUID,
        order_id: uuid.UUID,
        restaurant_id: uuid.UUID | None,
        reason: str | None,
        refunded: dict[str, int],
    ) -> tuple[Outcome, StatusChangeResult | None]:
        created_at = created_at_of(order_id)
        order = await OrderRepository(conn).get(order_id, created_at, for_update=True) if created_at else None
        if order is None or order["user_id"] != owner or order["restaurant_id"] != restaurant_id:
            raise NotFoundError(f"there is no order {order_id}")
        requests = RefundRequests(conn)
        if (waiting := await requests.pending_for_order(order_id)) is not None:
            return schemas.RefundRequest.from_row(waiting), None  # asked again: the same request
        check_move(order["status"], "REFUNDED", "restaurant_staff")  # 409/403 exactly like an ordinary move
        held = hold_reason(order["total_cents"], order["currency"], refunded.get(order["currency"], 0), self.caps)
        row = await requests.insert(
            {
                "request_id": new_id(),
                "order_id": order_id,
                "user_id": owner,
                "restaurant_id": order["restaurant_id"],
                "amount_cents": order["total_cents"],
                "currency": order["currency"],
                "status": "pending" if held else "within_cap",
                "hold_reason": held,
                "requested_by": user.user_id,
                "request_reason": reason,
            }
        )
        if held:
            log.info("staff refund held for an admin", order_id=str(order_id), request_id=str(row["request_id"]),
                     hold_reason=held)  # fmt: skip
            return schemas.RefundRequest.from_row(row), None
        change = await change_status_in_tx(
            conn,
            user_id=owner,
            order_id=order_id,
            target="REFUNDED",
            actor="restaurant_staff",
            changed_by=actor_of(user),
            reason=reason,
            restaurant_id=restaurant_id,
        )
        return change.order, change

    async def refunded_alone_since(self, staff_id: uuid.UUID, since: datetime) -> dict[str, int]:
        """What the staff member refunded within the caps since ``since``, per currency, over every shard."""
        totals: dict[str, int] = {}
        for pool in self.db.shards.values():
            async with pool.connection() as conn:
                for currency, amount in (await RefundRequests(conn).refunded_alone_since(staff_id, since)).items():
                    totals[currency] = totals.get(currency, 0) + amount
        return totals
