"""Requests and responses of customer support. Constraints live here, so bad input is a 400."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from msgspec import Meta, Struct

from api.domain.support.rules import Category, Status
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


class TicketThread(Struct):
    ticket: Ticket
    messages: list[Message]


class TicketPage(Struct):
    items: list[Ticket]
    next_cursor: str | None = None
