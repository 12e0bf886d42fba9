"""SQL of the reviews domain: the order on the customer's shard, the review and the rating in the catalog."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg

from api.lib.sql import Row, fetch_all, fetch_one

_REVIEW_COLUMNS = "review_id, order_id, restaurant_id, rating, comment, author_name, created_at"


async def order_for_review(conn: psycopg.AsyncConnection[Any], order_id: uuid.UUID, user_id: uuid.UUID) -> Row | None:
    """The customer's own order and their display name. Without the partition key the lookup probes
    each monthly partition's primary key once: a handful of index probes."""
    return await fetch_one(
        conn,
        "SELECT o.restaurant_id, o.status, u.name AS author,"
        "   EXISTS (SELECT 1 FROM order_status_history h"
        "            WHERE h.order_id = o.order_id AND h.to_status = 'DELIVERED') AS was_delivered"
        " FROM orders o JOIN users u ON u.user_id = o.user_id"
        " WHERE o.order_id = %s AND o.user_id = %s",
        (order_id, user_id),
    )


async def insert_review(conn: psycopg.AsyncConnection[Any], row: dict[str, Any]) -> Row | None:
    """Insert the review; None if the order already has one (the unique order_id decides, even under races)."""
    return await fetch_one(
        conn,
        "INSERT INTO reviews (review_id, order_id, user_id, restaurant_id, rating, comment, author_name)"
        " VALUES (%(review_id)s, %(order_id)s, %(user_id)s, %(restaurant_id)s, %(rating)s, %(comment)s,"
        " %(author_name)s)"
        f" ON CONFLICT (order_id) DO NOTHING RETURNING {_REVIEW_COLUMNS}",
        row,
    )


async def add_rating(conn: psycopg.AsyncConnection[Any], restaurant_id: uuid.UUID, rating: int) -> Row | None:
    """Fold one rating into the restaurant's aggregate in the review's transaction (row lock: exact
    under concurrency). A restaurant whose count was seeded without a sum starts from avg * count."""
    return await fetch_one(
        conn,
        "UPDATE restaurants SET"
        "   rating_sum = CASE WHEN rating_sum = 0 AND rating_count > 0"
        "                THEN round(coalesce(rating_avg, 0) * rating_count)::bigint ELSE rating_sum END + %(r)s,"
        "   rating_count = rating_count + 1,"
        "   rating_avg = round((CASE WHEN rating_sum = 0 AND rating_count > 0"
        "                THEN round(coalesce(rating_avg, 0) * rating_count) ELSE rating_sum END + %(r)s)::numeric"
        "                / (rating_count + 1), 2),"
        "   updated_at = now()"
        " WHERE restaurant_id = %(id)s RETURNING restaurant_id, rating_avg, rating_count",
        {"r": rating, "id": restaurant_id},
    )


async def rating(conn: psycopg.AsyncConnection[Any], restaurant_id: uuid.UUID) -> Row | None:
    return await fetch_one(
        conn,
        "SELECT restaurant_id, rating_avg, rating_count FROM restaurants WHERE restaurant_id = %s",
        (restaurant_id,),
    )


async def page(
    conn: psycopg.AsyncConnection[Any], restaurant_id: uuid.UUID, before: uuid.UUID | None, limit: int
) -> list[Row]:
    """Newest first; review ids are UUIDv7, so the id is both the order and the keyset cursor."""
    if before is None:
        query = f"SELECT {_REVIEW_COLUMNS} FROM reviews WHERE restaurant_id = %s ORDER BY review_id DESC LIMIT %s"
        return await fetch_all(conn, query, (restaurant_id, limit))
    query = (
        f"SELECT {_REVIEW_COLUMNS} FROM reviews WHERE restaurant_id = %s AND review_id < %s"
        " ORDER BY review_id DESC LIMIT %s"
    )
    return await fetch_all(conn, query, (restaurant_id, before, limit))
