"""SQL of customer support, all on one shard: the customer's (tickets live beside their orders).

Every function takes its caller's connection (and so its transaction); the service chooses the shard.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql

from api.lib.sql import Row, fetch_all, fetch_one

TICKET_COLUMNS = (
    "ticket_id, user_id, order_id, category, subject, status, assigned_agent_id, first_response_due_at,"
    " resolution_due_at, first_response_at, resolved_at, closed_at, created_at, updated_at"
)
MESSAGE_COLUMNS = "message_id, ticket_id, author_id, author_role, body, created_at"
UPDATABLE = frozenset({"status", "assigned_agent_id", "first_response_at", "resolved_at", "closed_at"})


async def customer_has_order(conn: psycopg.AsyncConnection[Any], order_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """Whether the order is this customer's. Without the partition key the lookup probes each monthly
    partition's primary key once: a handful of index probes, once per ticket opened."""
    row = await fetch_one(
        conn, "SELECT 1 AS found FROM orders WHERE order_id = %s AND user_id = %s LIMIT 1", (order_id, user_id)
    )
    return row is not None


async def insert_ticket(conn: psycopg.AsyncConnection[Any], ticket: Row) -> Row | None:
    """Insert a ticket; None when its order already has an unclosed one (the partial unique index
    decides, even when two are opened at once)."""
    return await fetch_one(
        conn,
        "INSERT INTO support_tickets (ticket_id, user_id, order_id, category, subject, first_response_due_at,"
        "   resolution_due_at, created_at, updated_at)"
        " VALUES (%(ticket_id)s, %(user_id)s, %(order_id)s, %(category)s, %(subject)s, %(first_response_due_at)s,"
        "   %(resolution_due_at)s, %(created_at)s, %(created_at)s)"
        " ON CONFLICT (order_id) WHERE order_id IS NOT NULL AND status <> 'closed' DO NOTHING"
        f" RETURNING {TICKET_COLUMNS}",
        ticket,
    )


async def unclosed_ticket_of_order(conn: psycopg.AsyncConnection[Any], order_id: uuid.UUID) -> uuid.UUID | None:
    row = await fetch_one(
        conn, "SELECT ticket_id FROM support_tickets WHERE order_id = %s AND status <> 'closed'", (order_id,)
    )
    return row["ticket_id"] if row else None


async def get_ticket(
    conn: psycopg.AsyncConnection[Any], ticket_id: uuid.UUID, owner: uuid.UUID | None, *, lock: bool = False
) -> Row | None:
    """The ticket (its owner's only, when ``owner`` is given); ``lock`` holds it until the transaction
    ends, so two writers on one ticket serialise (first response, status)."""
    query = f"SELECT {TICKET_COLUMNS} FROM support_tickets WHERE ticket_id = %(id)s"
    if owner is not None:
        query += " AND user_id = %(owner)s"
    return await fetch_one(conn, query + (" FOR UPDATE" if lock else ""), {"id": ticket_id, "owner": owner})


async def update_ticket(conn: psycopg.AsyncConnection[Any], ticket_id: uuid.UUID, fields: Row) -> Row:
    unknown = set(fields) - UPDATABLE
    assert not unknown, f"not an updatable ticket column: {sorted(unknown)}"
    assignments = sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(k), sql.Placeholder(k)) for k in fields)
    query = sql.SQL(
        "UPDATE support_tickets SET {}, updated_at = now() WHERE ticket_id = %(ticket_id)s RETURNING " + TICKET_COLUMNS
    )
    row = await fetch_one(conn, query.format(assignments), {**fields, "ticket_id": ticket_id})
    assert row is not None, "update_ticket runs after get_ticket found and locked the ticket"
    return row


async def insert_message(conn: psycopg.AsyncConnection[Any], message: Row) -> Row:
    row = await fetch_one(
        conn,
        "INSERT INTO support_messages (message_id, ticket_id, author_id, author_role, body)"
        " VALUES (%(message_id)s, %(ticket_id)s, %(author_id)s, %(author_role)s, %(body)s)"
        f" RETURNING {MESSAGE_COLUMNS}",
        message,
    )
    assert row is not None
    return row


async def thread(conn: psycopg.AsyncConnection[Any], ticket_id: uuid.UUID) -> list[Row]:
    """The whole thread, oldest first (message ids are UUIDv7)."""
    return await fetch_all(
        conn, f"SELECT {MESSAGE_COLUMNS} FROM support_messages WHERE ticket_id = %s ORDER BY message_id", (ticket_id,)
    )


async def page(
    conn: psycopg.AsyncConnection[Any],
    *,
    owner: uuid.UUID | None,
    statuses: Sequence[str] | None,
    categories: Sequence[str] | None,
    before: uuid.UUID | None,
    limit: int,
) -> list[Row]:
    """Newest first on this shard; ticket ids are UUIDv7, so the id is both the order and the keyset cursor
    (and pages merged from several shards stay in one global order)."""
    where = [sql.SQL("TRUE")]
    params: dict[str, Any] = {"limit": limit}
    if owner is not None:
        where.append(sql.SQL("user_id = %(owner)s"))
        params["owner"] = owner
    if statuses:
        where.append(sql.SQL("status = ANY(%(statuses)s)"))
        params["statuses"] = list(statuses)
    if categories:
        where.append(sql.SQL("category = ANY(%(categories)s)"))
        params["categories"] = list(categories)
    if before is not None:
        where.append(sql.SQL("ticket_id < %(before)s"))
        params["before"] = before
    query = sql.SQL("SELECT {} FROM support_tickets WHERE {} ORDER BY ticket_id DESC LIMIT %(limit)s").format(
        sql.SQL(TICKET_COLUMNS), sql.SQL(" AND ").join(where)
    )
    return await fetch_all(conn, query, params)
