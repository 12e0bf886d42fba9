"""What payments need from the orders domain, injected so that each side stays testable on its own."""

from __future__ import annotations

import uuid
from typing import Any, Protocol, TypedDict, Unpack

from psycopg import AsyncConnection

from pizza.contracts.events import OrderStatus


class OrderMove(TypedDict):
    """The move a payment asks of its order: which order, to what status, and why."""

    order_id: uuid.UUID
    user_id: uuid.UUID
    to_status: OrderStatus
    reason: str


class OrderStatusPort(Protocol):
    """How payments move the order (the orders domain's state machine)."""

    async def change_in_tx(self, conn: AsyncConnection[Any], **move: Unpack[OrderMove]) -> object:
        """Move the order inside the payment's shard transaction; returns what ``after_commit`` needs.

        Raises ``ConflictError`` (or ``NotFoundError``) before writing anything when the order cannot
        make the move, e.g. the customer cancelled it while the payment was in flight.
        """
        ...

    async def after_commit(self, change: object) -> None:
        """Work that must follow the commit (e.g. read projections); must not raise."""
        ...
