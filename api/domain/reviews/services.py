"""Reviews: one per delivered order, written by its customer; restaurant ratings kept exact and current.

The order is read on the customer's shard (ownership and delivery), the review is written in the
catalog together with the restaurant's aggregate, in one transaction: a reader never sees a review
that the rating does not count, and two concurrent reviews of one order cannot both land (unique
order_id), nor can two reviews of one restaurant lose an update (the restaurant row is locked).
"""

from __future__ import annotations

import uuid

from api.db import Databases
from api.domain.reviews import repositories as repo
from api.domain.reviews.schemas import RatingSummary, Review, ReviewCreate, ReviewPage
from api.lib.auth import CurrentUser
from api.lib.errors import ConflictError, NotFoundError
from api.lib.pagination import decode_cursor, encode_cursor
from api.lib.sql import Row
from pizza.ids import new_id
from pizza.logs import get_logger

log = get_logger(__name__)


def display_name(full_name: str | None) -> str | None:
    """ "Ada Lovelace" -> "Ada L.": enough to feel personal, not enough to identify a customer."""
    parts = (full_name or "").split()
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else f"{parts[0]} {parts[-1][0]}."


class ReviewService:
    def __init__(self, db: Databases) -> None:
        self.db = db

    async def create(self, user: CurrentUser, order_id: uuid.UUID, data: ReviewCreate) -> Review:
        async with self.db.pool_for_user(user.user_id).connection() as conn:
            order = await repo.order_for_review(conn, order_id, user.user_id)
        if order is None:
            raise NotFoundError(f"there is no order {order_id}")
        if not order["was_delivered"]:
            raise ConflictError(
                "an order can be reviewed once it has been delivered",
                title="Not delivered yet",
                extra={"current_status": order["status"]},
            )
        row = {
            "review_id": new_id(),
            "order_id": order_id,
            "user_id": user.user_id,
            "restaurant_id": order["restaurant_id"],
            "rating": data.rating,
            "comment": data.comment.strip() if data.comment and data.comment.strip() else None,
            "author_name": display_name(order["author"]),
        }
        async with self.db.catalog_tx() as conn:
            inserted = await repo.insert_review(conn, row)
            if inserted is None:
                raise ConflictError(f"order {order_id} already has a review", title="Already reviewed")
            await repo.add_rating(conn, order["restaurant_id"], data.rating)
        log.info("review posted", order_id=str(order_id), restaurant_id=str(order["restaurant_id"]))
        return _review(inserted)

    async def list_for_restaurant(self, restaurant_id: uuid.UUID, cursor: str | None, limit: int) -> ReviewPage:
        before = decode_cursor(cursor, uuid.UUID) if cursor else None
        async with self.db.catalog.connection() as conn:
            summary = await repo.rating(conn, restaurant_id)
            if summary is None:
                raise NotFoundError(f"there is no restaurant {restaurant_id}")
            rows = await repo.page(conn, restaurant_id, before, limit + 1)
        items = [_review(r) for r in rows[:limit]]
        more = len(rows) > limit
        return ReviewPage(
            summary=RatingSummary(
                restaurant_id=restaurant_id,
                rating_count=summary["rating_count"],
                rating_avg=float(summary["rating_avg"]) if summary["rating_avg"] is not None else None,
            ),
            items=items,
            next_cursor=encode_cursor(items[-1].review_id) if more and items else None,
        )


def _review(row: Row) -> Review:
    return Review(
        review_id=row["review_id"],
        order_id=row["order_id"],
        restaurant_id=row["restaurant_id"],
        rating=row["rating"],
        comment=row["comment"],
        author_name=row["author_name"],
        created_at=row["created_at"],
    )
