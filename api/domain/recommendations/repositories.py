"""SQL of the recommendations domain: the serving copy of the feed in the catalog."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg

from api.lib.sql import Row, fetch_all


async def feed_for_user(
    conn: psycopg.AsyncConnection[Any], user_id: uuid.UUID, item_type: str | None, limit: int
) -> list[Row]:
    """The customer's top ``limit`` of each item type (or of one), best first; a primary-key range scan."""
    return await fetch_all(
        conn,
        "SELECT item_type, rank, item_id, item_name, score, model_version, generated_at"
        "  FROM customer_recommendations"
        " WHERE user_id = %s AND (%s::text IS NULL OR item_type = %s) AND rank <= %s"
        " ORDER BY item_type, rank",
        (user_id, item_type, item_type, limit),
    )
