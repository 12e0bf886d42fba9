"""Customer support: tickets on the customer's shard, a thread of messages, an SLA clock per ticket.

A customer reaches only their own shard and, on it, only rows with their user id, so another
customer's ticket is absent (404), never forbidden. Agents work across customers: a list asks every
shard for one page and merges them (ticket ids are UUIDv7, one global order, so the merged keyset page
is exact), and a ticket named by id is looked up on every shard by primary key. Each write locks the
ticket row on its shard, so a reply, an assignment and a status change on one ticket never interleave.
"""

from __future__ import annotations

import asyncio
import heapq
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from api.db import Databases
from api.domain.support import repositories as repo
from api.domain.support.rules import (
    Category,
    NotAllowed,
    OrderRequired,
    Status,
    TicketRuleBroken,
    check_order_link,
    check_staff_move,
    is_breached,
    require_staff,
    resolution_met_at,
    scope_of,
    sla_due,
    stamps_for_move,
    status_after_message,
)
from api.domain.support.schemas import (
    Message,
    MessageCreate,
    StatusChange,
    Ticket,
    TicketCreate,
    TicketPage,
    TicketThread,
)
from api.domain.support.settings import SupportSettings, get_support_settings
from api.lib.auth import CurrentUser
from api.lib.errors import ConflictError, ForbiddenError, NotFoundError, UnprocessableError
from api.lib.pagination import decode_cursor, encode_cursor
from api.lib.sql import Row
from pizza.ids import new_id
from pizza.logs import get_logger

log = get_logger(__name__)


class SupportService:
    def __init__(self, db: Databases, settings: SupportSettings | None = None) -> None:
        self.db = db
        self.settings = settings or get_support_settings()

    # --- customers open tickets -----------------------------------------------------------------------------
    async def open_ticket(self, user: CurrentUser, data: TicketCreate) -> TicketThread:
        """Check the order is the customer's and write the ticket with its first message, in one transaction."""
        try:
            check_order_link(data.category, data.order_id is not None)
        except OrderRequired as exc:
            raise UnprocessableError(str(exc), title="Order required") from exc
        subject, body = _clean(data.subject), _clean(data.message)
        ticket_id = new_id()
        created_at = datetime.now(UTC)
        due = sla_due(created_at, self.settings.first_response_minutes, self.settings.resolution_minutes)
        async with self.db.user_tx(user.user_id) as conn:
            if data.order_id is not None and not await repo.customer_has_order(conn, data.order_id, user.user_id):
                raise UnprocessableError(f"you have no order {data.order_id}", title="Unknown order")
            ticket = await repo.insert_ticket(
                conn,
                {
                    "ticket_id": ticket_id,
                    "user_id": user.user_id,
                    "order_id": data.order_id,
                    "category": data.category,
                    "subject": subject,
                    "first_response_due_at": due.first_response_due_at,
                    "resolution_due_at": due.resolution_due_at,
                    "created_at": created_at,
                },
            )
            if ticket is None:
                existing = await repo.unclosed_ticket_of_order(conn, data.order_id) if data.order_id else None
                raise ConflictError(
                    f"order {data.order_id} already has an open ticket; write on it instead",
                    title="Ticket already open",
                    extra={"ticket_id": str(existing) if existing else None},
                )
            first = await repo.insert_message(conn, _message_row(ticket_id, user, body))
        log.info(
            "support ticket opened",
            ticket_id=str(ticket_id),
            category=data.category,
            order_id=str(data.order_id) if data.order_id else None,
            shard=self.db.shard_name(user.user_id),
        )
        return TicketThread(ticket=ticket_view(ticket), messages=[_message(first)])

    # --- reading ----------------------------------------------------------------------------------------------
    async def list_tickets(
        self,
        user: CurrentUser,
        statuses: Sequence[Status] | None,
        categories: Sequence[Category] | None,
        cursor: str | None,
        limit: int,
    ) -> TicketPage:
        """A customer's own tickets from their shard, or (support staff) everyone's from every shard."""
        owner = self._owner_filter(user)
        before = decode_cursor(cursor, uuid.UUID) if cursor else None
        pools = [self.db.pool_for_user(user.user_id)] if owner is not None else list(self.db.shards.values())

        async def one_shard(pool: AsyncConnectionPool) -> list[Row]:
            async with pool.connection() as conn:
                return await repo.page(
                    conn, owner=owner, statuses=statuses, categories=categories, before=before, limit=limit + 1
                )

        pages = await asyncio.gather(*(one_shard(pool) for pool in pools))
        rows = list(heapq.merge(*pages, key=lambda r: r["ticket_id"], reverse=True))[: limit + 1]
        now = datetime.now(UTC)
        items = [ticket_view(r, now) for r in rows[:limit]]
        more = len(rows) > limit
        return TicketPage(items=items, next_cursor=encode_cursor(items[-1].ticket_id) if more and items else None)

    async def get_thread(self, user: CurrentUser, ticket_id: uuid.UUID) -> TicketThread:
        pool = await self._pool_holding(user, ticket_id)
        async with pool.connection() as conn:
            ticket = await repo.get_ticket(conn, ticket_id, self._owner_filter(user))
            if ticket is None:
                raise _no_ticket(ticket_id)
            messages = await repo.thread(conn, ticket_id)
        return TicketThread(ticket=ticket_view(ticket), messages=[_message(m) for m in messages])

    # --- writing on a ticket ----------------------------------------------------------------------------------
    async def post_message(self, user: CurrentUser, ticket_id: uuid.UUID, data: MessageCreate) -> Message:
        """Append to the thread. The first message not written by the ticket's customer is the first
        response; a customer writing on a ticket waiting for them (or resolved) puts it back in the queue."""
        body = _clean(data.body)
        pool = await self._pool_holding(user, ticket_id)
        async with pool.connection() as conn, conn.transaction():
            ticket = await _locked(conn, ticket_id, self._owner_filter(user))
            by_customer = ticket["user_id"] == user.user_id
            try:
                status = status_after_message(ticket["status"], by_customer=by_customer)
            except TicketRuleBroken as exc:
                raise ConflictError(str(exc), title="Ticket closed") from exc
            message = await repo.insert_message(conn, _message_row(ticket_id, user, body))
            changes: dict[str, Any] = {}
            if status != ticket["status"]:
                changes |= stamps_for_move(status, message["created_at"])
            if not by_customer and ticket["first_response_at"] is None:
                changes["first_response_at"] = message["created_at"]
            if changes:
                ticket = await repo.update_ticket(conn, ticket_id, changes)
        if "first_response_at" in changes:
            log.info(
                "support first response",
                ticket_id=str(ticket_id),
                agent_id=str(user.user_id),
                breached=is_breached(ticket["first_response_due_at"], ticket["first_response_at"], datetime.now(UTC)),
            )
        return _message(message)

    async def assign_to_self(self, user: CurrentUser, ticket_id: uuid.UUID) -> Ticket:
        """Take the ticket (from the queue, or over from another agent); a closed ticket stays as it was."""
        _staff_only(user)
        pool = await self._pool_holding(user, ticket_id)
        async with pool.connection() as conn, conn.transaction():
            ticket = await _locked(conn, ticket_id, None)
            if ticket["status"] == "closed":
                raise ConflictError("a closed ticket is not assigned any more", title="Ticket closed")
            previous = ticket["assigned_agent_id"]
            if previous != user.user_id:
                ticket = await repo.update_ticket(conn, ticket_id, {"assigned_agent_id": user.user_id})
        log.info(
            "support ticket assigned",
            ticket_id=str(ticket_id),
            agent_id=str(user.user_id),
            previous_agent_id=str(previous) if previous else None,
        )
        return ticket_view(ticket)

    async def change_status(self, user: CurrentUser, ticket_id: uuid.UUID, data: StatusChange) -> Ticket:
        _staff_only(user)
        pool = await self._pool_holding(user, ticket_id)
        async with pool.connection() as conn, conn.transaction():
            ticket = await _locked(conn, ticket_id, None)
            try:
                check_staff_move(ticket["status"], data.status)
            except TicketRuleBroken as exc:
                raise ConflictError(
                    str(exc), title="Illegal status change", extra={"current_status": ticket["status"]}
                ) from exc
            ticket = await repo.update_ticket(conn, ticket_id, stamps_for_move(data.status, datetime.now(UTC)))
        log.info("support ticket status changed", ticket_id=str(ticket_id), to_status=data.status, by=str(user.user_id))
        return ticket_view(ticket)

    # --- where a ticket is --------------------------------------------------------------------------------
    def _owner_filter(self, user: CurrentUser) -> uuid.UUID | None:
        """The user id a caller's tickets are limited to; None for support staff."""
        try:
            return user.user_id if scope_of(user.role) == "own" else None
        except NotAllowed as exc:
            raise ForbiddenError(str(exc)) from exc

    async def _pool_holding(self, user: CurrentUser, ticket_id: uuid.UUID) -> AsyncConnectionPool:
        """The caller's own shard for a customer; for staff, whichever shard has the ticket (one
        primary-key probe per shard, concurrently)."""
        if self._owner_filter(user) is not None:
            return self.db.pool_for_user(user.user_id)

        async def has_it(pool: AsyncConnectionPool) -> bool:
            async with pool.connection() as conn:
                return await repo.get_ticket(conn, ticket_id, None) is not None

        pools = list(self.db.shards.values())
        found = await asyncio.gather(*(has_it(pool) for pool in pools))
        for pool, here in zip(pools, found, strict=True):
            if here:
                return pool
        raise _no_ticket(ticket_id)


def ticket_view(row: Row, now: datetime | None = None) -> Ticket:
    """The ticket as the API shows it, with both SLA clocks judged at ``now``."""
    now = now or datetime.now(UTC)
    return Ticket(
        ticket_id=row["ticket_id"],
        user_id=row["user_id"],
        order_id=row["order_id"],
        category=row["category"],
        subject=row["subject"],
        status=row["status"],
        assigned_agent_id=row["assigned_agent_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        first_response_due_at=row["first_response_due_at"],
        first_response_at=row["first_response_at"],
        first_response_breached=is_breached(row["first_response_due_at"], row["first_response_at"], now),
        resolution_due_at=row["resolution_due_at"],
        resolved_at=row["resolved_at"],
        closed_at=row["closed_at"],
        resolution_breached=is_breached(
            row["resolution_due_at"], resolution_met_at(row["resolved_at"], row["closed_at"]), now
        ),
    )


async def _locked(conn: psycopg.AsyncConnection[Any], ticket_id: uuid.UUID, owner: uuid.UUID | None) -> Row:
    ticket = await repo.get_ticket(conn, ticket_id, owner, lock=True)
    if ticket is None:
        raise _no_ticket(ticket_id)
    return ticket


def _staff_only(user: CurrentUser) -> None:
    try:
        require_staff(user.role)
    except NotAllowed as exc:
        raise ForbiddenError(str(exc)) from exc


def _clean(text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise UnprocessableError("the text is blank once trimmed")
    return cleaned


def _no_ticket(ticket_id: uuid.UUID) -> NotFoundError:
    return NotFoundError(f"there is no ticket {ticket_id}")


def _message_row(ticket_id: uuid.UUID, user: CurrentUser, body: str) -> Row:
    return {
        "message_id": new_id(),
        "ticket_id": ticket_id,
        "author_id": user.user_id,
        "author_role": user.role,
        "body": body,
    }


def _message(row: Row) -> Message:
    return Message(
        message_id=row["message_id"],
        ticket_id=row["ticket_id"],
        author_id=row["author_id"],
        author_role=row["author_role"],
        body=row["body"],
        created_at=row["created_at"],
    )
