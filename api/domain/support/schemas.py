"""Requests and responses of customer support. Constraints live here, so bad input is a 400."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from msgspec import Meta, Struct

from api.domain.support.rules import Category, ResolutionKind, Status
from api.lib.auth import Role
from api.lib.validation import text

Subject = Annotated[str, text(200, examples=["Two pizzas ordered, one arrived"])]
Body = Annotated[str, text(5000)]


class TicketCreate(Struct, forbid_unknown_fields=True):
    """A customer's new ticket: what it is about and the first message of its thread."""

    category: Category
    subject: Subject
    message: Body
    order_id: Annotated[
        uuid.UUID | None, Meta(description="one of your orders; required for missing_item, late, wrong_order")
    ] = None


class MessageCreate(Struct, forbid_unknown_fields=True):
    body: Body


class StatusChange(Struct, forbid_unknown_fields=True):
    status: Status


Priority = Literal["normal", "urgent"]
Cents = Annotated[int, Meta(ge=1, le=100_000_000, description="in the currency's minor unit")]


class ResolutionCreate(Struct, forbid_unknown_fields=True):
    """An agent's resolution: it is carried out, recorded on the ticket, and closes it.

    ``refund`` gives back ``amount_cents`` of the order's payment (the order's total when omitted);
    ``coupon_credit`` issues a personal coupon worth ``amount_cents`` (``currency`` only when the ticket
    has no order: otherwise the order's); ``loyalty_credit`` grants ``points``; ``no_action`` only answers.
    """

    kind: ResolutionKind
    answer: Annotated[str, text(5000, examples=["Sorry about that: the missing pizza is refunded."])]
    amount_cents: Cents | None = None
    currency: Annotated[str, Meta(pattern="^[A-Z]{3}$", examples=["EUR"])] | None = None
    points: Annotated[int, Meta(ge=1, le=100_000)] | None = None


class Resolution(Struct):
    """How a ticket was resolved; ``reference`` names what was made: the refund's id, the coupon's code,
    the loyalty ledger entry's id."""

    kind: ResolutionKind
    amount_cents: int | None
    currency: str | None
    points: int | None
    reference: str | None
    resolved_by: uuid.UUID


class Message(Struct):
    message_id: uuid.UUID
    ticket_id: uuid.UUID
    author_id: uuid.UUID
    author_role: Role
    body: str
    created_at: datetime


class Ticket(Struct):
    """A ticket with its SLA clocks: each due time was fixed at opening; ``*_breached`` is as of the read."""

    ticket_id: uuid.UUID
    user_id: uuid.UUID
    order_id: uuid.UUID | None
    category: Category
    subject: str
    status: Status
    assigned_agent_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    first_response_due_at: datetime
    first_response_at: datetime | None
    first_response_breached: bool
    resolution_due_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    resolution_breached: bool
    restaurant_id: uuid.UUID | None
    priority: Annotated[Priority, Meta(description="urgent once an SLA clock was breached and escalated")]
    first_response_escalated_at: datetime | None
    resolution_escalated_at: datetime | None
    resolution: Resolution | None


class TicketThread(Struct):
    ticket: Ticket
    messages: list[Message]


class TicketPage(Struct):
    items: list[Ticket]
    next_cursor: str | None = None
