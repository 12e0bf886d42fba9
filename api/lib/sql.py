"""Tiny typed helpers over psycopg's dict rows, so repositories read as SQL and not as cursor plumbing."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

Row = dict[str, Any]
Query = str | sql.SQL | sql.Composed


async def fetch_one(conn: psycopg.AsyncConnection, query: Query, params: Any = None) -> Row | None:
    cur = await conn.execute(query, params)
    row: Row | None = await cur.fetchone()  # type: ignore[assignment]
    return row


async def fetch_all(conn: psycopg.AsyncConnection, query: Query, params: Any = None) -> list[Row]:
    cur = await conn.execute(query, params)
    rows: list[Row] = await cur.fetchall()  # type: ignore[assignment]
    return rows
