"""Customer support: tickets on the customer's shard, a thread of messages, an SLA clock per ticket.

A customer reaches only their own shard and, on it, only rows with their user id, so another
customer's ticket is absent (404), never forbidden. Agents work across customers: a list asks every
shard for one page and merges them (ticket ids are UUIDv7, one global order, so the merged keyset page
is exact), and a ticket named by id is looked up on every shard by primary key. Each write locks the
ticket row on its shard, so a reply, an assignment and a status change on one ticket never interleave.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from api.db import Databases
from api.domain.support import repositories as repo
from api.domain.support.effects import Alerts, EffectDone, ResolutionEffects
from api.domain.support.rules import (
    Category,
    NotAllowed,
    OrderRequired,
    ResolutionRefused,
    SlaClock,
    Status,
    TicketRuleBroken,
    check_order_link,
    check_resolution,
    check_staff_move,
    first_deadline,
    is_breached,
    require_staff,
    resolution_met_at,
    same_resolution,
    scope_of,
    sla_due,
    sla_step,
    stamps_for_move,
    status_after_message,
)
from api.domain.support.schemas import (
    Message,
    MessageCreate,
    Resolution,
    ResolutionCreate,
    StatusChange,
    Ticket,
    TicketCreate,
    TicketPage,
    TicketThread,
)
from api.domain.support.settings import SupportSettings, get_support_settings
from api.lib.auth import CurrentUser
from api.lib.errors import ConflictError, ForbiddenError, NotFoundError, UnprocessableError
from api.lib.outbox import write_outbox
from api.lib.pagination import decode_cursor, encode_cursor
from api.lib.sql import Row
from pizza.contracts.events import SupportTicketOpened, SupportTicketResolved
from pizza.ids import new_id
from pizza.logs import get_logger
from pizza.messaging.health import Stall

log = get_logger(__name__)


class SupportService:
    def __init__(
        self, db: Databases, settings: SupportSettings | None = None, effects: ResolutionEffects | None = None
    ) -> None:
        self.db = db
        self.settings = settings or get_support_settings()
        self.effects = effects

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
        deadline_at, deadline_kind = first_deadline(due)
        async with self.db.user_tx(user.user_id) as conn:
            order = None
            if data.order_id is not None:
                order = await repo.customer_order(conn, data.order_id, user.user_id)
                if order is None:
                    raise UnprocessableError(f"you have no order {data.order_id}", title="Unknown order")
            ticket = await repo.insert_ticket(
                conn,
                {
                    "ticket_id": ticket_id,
                    "user_id": user.user_id,
                    "order_id": data.order_id,
                    "restaurant_id": order["restaurant_id"] if order else None,
                    "category": data.category,
                    "subject": subject,
                    "first_response_due_at": due.first_response_due_at,
                    "resolution_due_at": due.resolution_due_at,
                    "sla_deadline_at": deadline_at,
                    "sla_deadline_kind": deadline_kind,
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
            await write_outbox(
                conn,
                SupportTicketOpened(
                    ticket_id=ticket_id,
                    user_id=user.user_id,
                    order_id=data.order_id,
                    restaurant_id=ticket["restaurant_id"],
                    category=data.category,
                    opened_at=created_at,
                    first_response_due_at=due.first_response_due_at,
                    resolution_due_at=due.resolution_due_at,
                ),
            )
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

    # --- resolving -------------------------------------------------------------------------------------------
    async def resolve(self, user: CurrentUser, ticket_id: uuid.UUID, data: ResolutionCreate) -> Ticket:
        """Resolve and close the ticket: refund, coupon, loyalty points or nothing, with the agent's answer on
        the thread and ``SupportTicketResolved`` in the same transaction.

        The ticket row stays locked while the effect runs, so two agents never resolve one ticket two ways.
        The effect is keyed by the ticket id: if this transaction fails after it, a retry gets the same
        refund, coupon or credit back from its owner and records it. A retry of a recorded resolution is
        answered with the ticket as it is; a different resolution of a resolved ticket is a 409."""
        _staff_only(user)
        answer = _clean(data.answer)
        pool = await self._pool_holding(user, ticket_id)
        async with pool.connection() as conn, conn.transaction():
            ticket = await _locked(conn, ticket_id, None)
            if ticket["resolution_kind"] is not None:
                if same_resolution(ticket, data.kind, data.amount_cents, data.points):
                    return ticket_view(ticket)
                raise ConflictError(
                    f"the ticket was already resolved as {ticket['resolution_kind']}",
                    title="Ticket already resolved",
                    extra={"resolution_kind": ticket["resolution_kind"]},
                )
            if ticket["status"] == "closed":
                raise ConflictError("a closed ticket is not resolved any more", title="Ticket closed")
            order = (
                await repo.customer_order(conn, ticket["order_id"], ticket["user_id"]) if ticket["order_id"] else None
            )
            currency = self._currency(data, order)
            try:
                check_resolution(
                    data.kind,
                    has_order=order is not None,
                    amount_cents=data.amount_cents,
                    points=data.points,
                    currency=currency,
                )
            except ResolutionRefused as exc:
                raise UnprocessableError(str(exc), title="Resolution does not fit the ticket") from exc
            done = await self._carry_out(ticket, order, data, currency, user)
            now = datetime.now(UTC)
            message = await repo.insert_message(conn, _message_row(ticket_id, user, answer))
            changes: dict[str, Any] = {
                "status": "closed",
                "resolved_at": now,
                "closed_at": now,
                "sla_deadline_at": None,
                "sla_deadline_kind": None,
                "resolution_kind": data.kind,
                "resolution_amount_cents": done.amount_cents if done else None,
                "resolution_currency": currency if data.kind in ("refund", "coupon_credit") else None,
                "resolution_points": data.points,
                "resolution_reference": done.reference if done else None,
                "resolved_by": user.user_id,
            }
            if ticket["first_response_at"] is None:
                changes["first_response_at"] = message["created_at"]
            ticket = await repo.update_ticket(conn, ticket_id, changes)
            await write_outbox(conn, _resolved_event(ticket))
        log.info(
            "support ticket resolved",
            ticket_id=str(ticket_id),
            kind=data.kind,
            amount_cents=ticket["resolution_amount_cents"],
            reference=ticket["resolution_reference"],
            by=str(user.user_id),
        )
        return ticket_view(ticket)

    @staticmethod
    def _currency(data: ResolutionCreate, order: Row | None) -> str | None:
        """Money is in the order's currency; a ticket without an order names it in the request."""
        if order is None:
            return data.currency
        if data.currency is not None and data.currency != order["currency"]:
            raise UnprocessableError(
                f"the order is in {order['currency']}, not {data.currency}", title="Resolution does not fit the ticket"
            )
        return str(order["currency"])

    async def _carry_out(
        self, ticket: Row, order: Row | None, data: ResolutionCreate, currency: str | None, user: CurrentUser
    ) -> EffectDone | None:
        if data.kind == "no_action":
            return None
        if self.effects is None:
            raise RuntimeError("SupportService was built without its resolution effects")
        key, reason = str(ticket["ticket_id"]), f"support ticket {ticket['ticket_id']} ({ticket['category']})"
        if data.kind == "refund":
            assert order is not None, "check_resolution requires an order for a refund"
            amount = data.amount_cents if data.amount_cents is not None else int(order["total_cents"])
            return await self.effects.refund(
                order_id=ticket["order_id"],
                user_id=ticket["user_id"],
                amount_cents=amount,
                reason=reason,
                requested_by=user.user_id,
                key=key,
            )
        if data.kind == "coupon_credit":
            assert data.amount_cents is not None, "checked by check_resolution"
            assert currency is not None, "checked by check_resolution"
            return await self.effects.coupon_credit(
                user_id=ticket["user_id"], value_cents=data.amount_cents, currency=currency, reason=reason, key=key
            )
        assert data.points is not None, "checked by check_resolution"
        return await self.effects.loyalty_credit(user_id=ticket["user_id"], points=data.points, reason=reason, key=key)

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


def _resolved_event(ticket: Row) -> SupportTicketResolved:
    return SupportTicketResolved(
        ticket_id=ticket["ticket_id"],
        user_id=ticket["user_id"],
        order_id=ticket["order_id"],
        restaurant_id=ticket["restaurant_id"],
        category=ticket["category"],
        resolution_kind=ticket["resolution_kind"],
        amount_cents=ticket["resolution_amount_cents"],
        currency=ticket["resolution_currency"],
        points=ticket["resolution_points"],
        reference=ticket["resolution_reference"],
        resolved_by=ticket["resolved_by"],
        resolved_at=ticket["resolved_at"],
    )


def _resolution(row: Row) -> Resolution | None:
    if row["resolution_kind"] is None:
        return None
    return Resolution(
        kind=row["resolution_kind"],
        amount_cents=row["resolution_amount_cents"],
        currency=row["resolution_currency"],
        points=row["resolution_points"],
        reference=row["resolution_reference"],
        resolved_by=row["resolved_by"],
    )


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
        restaurant_id=row["restaurant_id"],
        priority=row["priority"],
        first_response_escalated_at=row["first_response_escalated_at"],
        resolution_escalated_at=row["resolution_escalated_at"],
        resolution=_resolution(row),
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


class SupportSlaTimer:
    """The SLA clock as durable timers: each ticket's next due time is a column (``sla_deadline_at``), so a
    crashed worker loses no timer and the next scan (of any worker) finds the same rows.

    A due ticket is locked (``SKIP LOCKED``: timers share the work), judged by ``rules.sla_step``, and a
    breached clock is escalated in the same transaction: priority ``urgent``, the clock's ``*_escalated_at``
    stamp, and an alert to operations keyed by ticket and clock (the notification log sends one alert per
    key). The stamp commits with the next deadline, so a clock is escalated once; an alert that fails rolls
    the step back and the ticket is looked at again ``retry_s`` later."""

    def __init__(
        self,
        db: Databases,
        alerts: Alerts,
        shards: Sequence[str],
        *,
        interval_s: float = 1.0,
        batch: int = 100,
        retry_s: float = 30.0,
        beat: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db, self.alerts, self.shards = db, alerts, list(shards)
        self.interval_s, self.batch, self.retry_s = interval_s, batch, retry_s
        self.beat, self.clock = beat, clock
        self.stall = Stall()

    async def tick(self) -> int:
        """One scan over every shard; the number of due tickets handled."""
        handled = 0
        for shard in self.shards:
            handled += await self.wake_due(shard)
        return handled

    async def wake_due(self, shard: str) -> int:
        handled = 0
        async with self.db.shards[shard].connection() as conn:
            while handled < self.batch:
                ticket: Row | None = None
                try:
                    async with conn.transaction():
                        ticket = await repo.lock_next_due(conn, self.clock())
                        if ticket is None:
                            break
                        await self._step(conn, ticket)
                except Exception:  # logged; the ticket is looked at again later
                    if ticket is None:
                        raise
                    log.exception("support SLA step failed; postponed", ticket_id=str(ticket["ticket_id"]))
                    async with conn.transaction():
                        later = self.clock() + timedelta(seconds=self.retry_s)
                        await repo.update_ticket(conn, ticket["ticket_id"], {"sla_deadline_at": later})
                handled += 1
        return handled

    async def _step(self, conn: psycopg.AsyncConnection[Any], ticket: Row) -> None:
        now = self.clock()
        step = sla_step(ticket, now)
        changes: dict[str, Any] = {"sla_deadline_at": step.next_deadline_at, "sla_deadline_kind": step.next_kind}
        if step.escalate is not None:
            changes |= {"priority": "urgent", f"{step.escalate}_escalated_at": now}
            await self._alert(ticket, step.escalate)
        await repo.update_ticket(conn, ticket["ticket_id"], changes)
        log.info(
            "support SLA deadline",
            ticket_id=str(ticket["ticket_id"]),
            escalated=step.escalate,
            next_kind=step.next_kind,
        )

    async def _alert(self, ticket: Row, clock: SlaClock) -> None:
        due = ticket[f"{clock}_due_at"]
        what = "answered" if clock == "first_response" else "resolved"
        await self.alerts.alert(
            f"support:{ticket['ticket_id']}:{clock}",
            f"support_{clock}_breached",
            f"Support ticket {ticket['ticket_id']} not {what} in time",
            f"The {ticket['category']} ticket {ticket['ticket_id']} was due to be {what} by {due.isoformat()} and"
            f" is not; it is now urgent.",
            order_id=ticket["order_id"],
        )

    async def run(self, stop: asyncio.Event) -> None:
        log.info("support SLA timer running", shards=self.shards, interval_s=self.interval_s)
        while not stop.is_set():
            try:
                handled = await self.tick()
                self.stall.cleared()
            except Exception as exc:  # noqa: BLE001 - e.g. a shard unreachable: logged, scanned again next time
                log.warning("support SLA scan failed", error=f"{type(exc).__name__}: {exc}")
                self.stall.blocked(f"{type(exc).__name__}: {exc}")
                handled = 0
            self.beat()
            if handled == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.interval_s)
