"""An admin's decision on a held staff refund: approve (the ordinary refund) or reject (nothing moves).

The request row is locked first, then the order, in one transaction on the order's shard: the
request's guarded update (``WHERE status = 'pending'``) and the order's move to REFUNDED commit
together, so however many admins approve at once, one refund happens and the others get 409. Nobody
decides a request they made themselves (checked here and by the table).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import psycopg

from api.domain.orders import schemas
from api.domain.orders.partitioning import created_at_of
from api.domain.orders.repositories import OrderRepository, RefundRequests, Row
from api.domain.orders.services._transitions import actor_of, change_status_in_tx
from api.domain.orders.states import TRANSITIONS
from api.lib.auth import CurrentUser
from api.lib.errors import ConflictError, ForbiddenError, NotFoundError
from pizza.contracts.events import OrderStatus
from pizza.logs import get_logger

if TYPE_CHECKING:
    from api.domain.orders.services._orders import OrderService

log = get_logger(__name__)


def staff_may_refund(status: OrderStatus) -> bool:
    """Whether staff could refund an order in ``status``: an approval refunds nothing staff could not."""
    return "restaurant_staff" in TRANSITIONS.get((status, "REFUNDED"), frozenset())


class RefundDecisions:
    def __init__(self, orders: OrderService) -> None:
        self.orders, self.db = orders, orders.db

    async def find(self, request_id: uuid.UUID) -> Row:
        """A request on whichever shard holds it (admin paths fan out over the shards)."""
        for pool in self.db.shards.values():
            async with pool.connection() as conn:
                row = await RefundRequests(conn).get(request_id)
            if row is not None:
                return row
        raise NotFoundError(f"there is no refund request {request_id}")

    async def get(self, request_id: uuid.UUID) -> schemas.RefundRequest:
        return schemas.RefundRequest.from_row(await self.find(request_id))

    async def list(self, status: schemas.RefundRequestStatus, limit: int) -> list[schemas.RefundRequest]:
        rows: list[Row] = []
        for pool in self.db.shards.values():
            async with pool.connection() as conn:
                rows += await RefundRequests(conn).page(status, limit)
        rows.sort(key=lambda r: r["request_id"], reverse=status != "pending")
        return [schemas.RefundRequest.from_row(r) for r in rows[:limit]]

    async def approve(self, admin: CurrentUser, request_id: uuid.UUID, reason: str | None) -> schemas.RefundRequest:
        found = await self.find(request_id)
        async with self.db.user_tx(found["user_id"]) as conn:
            request = await self._pending(conn, admin, request_id)
            await self._check_refundable(conn, request)
            change = await change_status_in_tx(
                conn,
                user_id=request["user_id"],
                order_id=request["order_id"],
                target="REFUNDED",
                actor="restaurant_staff",  # the staff member's move, made now that an admin approved it
                changed_by=actor_of(admin),
                reason=request["request_reason"] or "staff refund approved by an admin",
                restaurant_id=request["restaurant_id"],
            )
            decided = await RefundRequests(conn).decide(request_id, "approved", admin.user_id, reason)
        assert decided is not None, "the request row is locked and pending"
        await self.orders.project(change.order, change.seq)
        log.info("staff refund approved", request_id=str(request_id), order_id=str(request["order_id"]))
        return schemas.RefundRequest.from_row(decided)

    async def reject(self, admin: CurrentUser, request_id: uuid.UUID, reason: str) -> schemas.RefundRequest:
        found = await self.find(request_id)
        async with self.db.user_tx(found["user_id"]) as conn:
            await self._pending(conn, admin, request_id)
            decided = await RefundRequests(conn).decide(request_id, "rejected", admin.user_id, reason)
        assert decided is not None, "the request row is locked and pending"
        log.info("staff refund rejected", request_id=str(request_id), order_id=str(found["order_id"]))
        return schemas.RefundRequest.from_row(decided)

    @staticmethod
    async def _pending(conn: psycopg.AsyncConnection[Any], admin: CurrentUser, request_id: uuid.UUID) -> Row:
        """The request, locked, if it still waits and the admin did not make it; 409 or 403 otherwise."""
        request = await RefundRequests(conn).get(request_id, for_update=True)
        if request is None:  # deleted with its customer since it was found
            raise NotFoundError(f"there is no refund request {request_id}")
        if request["status"] != "pending":
            raise ConflictError(
                f"refund request {request_id} is {request['status']}, not pending",
                title="Refund request already decided",
                extra={"request_status": request["status"]},
            )
        if request["requested_by"] == admin.user_id:
            raise ForbiddenError("nobody approves or rejects a refund request they made")
        return request

    @staticmethod
    async def _check_refundable(conn: psycopg.AsyncConnection[Any], request: Row) -> None:
        """The order is still where staff could refund it (it may have moved on, or been refunded, since)."""
        order_id: uuid.UUID = request["order_id"]
        created_at = created_at_of(order_id)
        order = await OrderRepository(conn).get(order_id, created_at, for_update=True) if created_at else None
        if order is None:
            raise ConflictError(f"the order {request['order_id']} of this request no longer exists")
        if not staff_may_refund(order["status"]):
            raise ConflictError(
                f"the order is {order['status']} now; a refund request is approved only before pick-up",
                title="Order moved on",
                extra={"current_status": order["status"]},
            )
