"""HTTP surface of customer support. Thin: parse, guard by role, call ``SupportService``."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK

from api.domain.support.deps import provide_support_service
from api.domain.support.rules import Category, Status
from api.domain.support.schemas import (
    Message,
    MessageCreate,
    StatusChange,
    Ticket,
    TicketCreate,
    TicketPage,
    TicketThread,
)
from api.domain.support.services import SupportService
from api.lib.auth import CurrentUser, require_roles

AuthedRequest = Request[CurrentUser, Any, Any]
CursorParam = Annotated[
    str | None, Parameter(max_length=200, description="`next_cursor` of the previous page; omit for the first")
]


class TicketController(Controller):
    path = "/support/tickets"
    tags = ["support"]
    dependencies = {"support": Provide(provide_support_service, sync_to_thread=False)}

    @post(
        "/",
        operation_id="OpenSupportTicket",
        summary="Open a ticket, about one of your orders or none",
        guards=[require_roles("customer")],
    )
    async def open_ticket(self, request: AuthedRequest, support: SupportService, data: TicketCreate) -> TicketThread:
        return await support.open_ticket(request.user, data)

    @get(
        "/",
        operation_id="ListSupportTickets",
        summary="Your tickets (customers) or every customer's (agents), newest first",
        guards=[require_roles("customer", "agent")],
    )
    async def list_tickets(
        self,
        request: AuthedRequest,
        support: SupportService,
        status: Annotated[list[Status] | None, Parameter(description="repeat to ask for several")] = None,
        category: Annotated[list[Category] | None, Parameter(description="repeat to ask for several")] = None,
        cursor: CursorParam = None,
        limit: Annotated[int, Parameter(ge=1, le=100, description="page size")] = 20,
    ) -> TicketPage:
        return await support.list_tickets(request.user, status, category, cursor, limit)

    @get(
        "/{ticket_id:uuid}",
        operation_id="GetSupportTicket",
        summary="A ticket with its whole thread, oldest message first",
        guards=[require_roles("customer", "agent")],
    )
    async def get_ticket(self, request: AuthedRequest, support: SupportService, ticket_id: uuid.UUID) -> TicketThread:
        """Customers see only their own tickets: another customer's is a 404."""
        return await support.get_thread(request.user, ticket_id)

    @post(
        "/{ticket_id:uuid}/messages",
        operation_id="PostSupportMessage",
        summary="Write on a ticket's thread (its customer, or an agent)",
        guards=[require_roles("customer", "agent")],
    )
    async def post_message(
        self, request: AuthedRequest, support: SupportService, ticket_id: uuid.UUID, data: MessageCreate
    ) -> Message:
        """An agent's first message records the first response; a closed ticket takes no more (409)."""
        return await support.post_message(request.user, ticket_id, data)

    @post(
        "/{ticket_id:uuid}/assign",
        operation_id="AssignSupportTicket",
        status_code=HTTP_200_OK,
        summary="Take the ticket: assign it to yourself (agents)",
        guards=[require_roles("agent")],
    )
    async def assign(self, request: AuthedRequest, support: SupportService, ticket_id: uuid.UUID) -> Ticket:
        return await support.assign_to_self(request.user, ticket_id)

    @post(
        "/{ticket_id:uuid}/status",
        operation_id="ChangeSupportTicketStatus",
        status_code=HTTP_200_OK,
        summary="Move a ticket: open, pending_customer, resolved, closed (agents)",
        guards=[require_roles("agent")],
    )
    async def change_status(
        self, request: AuthedRequest, support: SupportService, ticket_id: uuid.UUID, data: StatusChange
    ) -> Ticket:
        """Illegal moves (anything out of closed, a status onto itself) are 409."""
        return await support.change_status(request.user, ticket_id, data)
