"""Read a customer's recommendations: the customer themself or an administrator only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from api.db import Databases
from api.domain.accounts import AccountService
from api.domain.recommendations import repositories as repo
from api.domain.recommendations.schemas import ItemType, Recommendation, Recommendations
from api.lib.auth import CurrentUser
from api.lib.errors import ForbiddenError


@dataclass
class RecommendationService:
    db: Databases
    accounts: AccountService

    async def for_user(
        self, viewer: CurrentUser, user_id: uuid.UUID, item_type: ItemType | None, limit: int
    ) -> Recommendations:
        if viewer.user_id != user_id and not viewer.is_admin:
            raise ForbiddenError("you can only read your own recommendations")
        async with self.db.catalog.connection() as conn:
            rows = await repo.feed_for_user(conn, user_id, item_type, limit)
        if not rows:
            # not in the feed: a customer without purchases yet, or no such user (404 from accounts)
            await self.accounts.get_user(user_id)
            return Recommendations(user_id=user_id, items=[])
        return Recommendations(
            user_id=user_id,
            items=[
                Recommendation(
                    item_type=r["item_type"],
                    rank=r["rank"],
                    item_id=r["item_id"],
                    item_name=r["item_name"],
                    score=r["score"],
                )
                for r in rows
            ],
            model_version=rows[0]["model_version"],
            generated_at=rows[0]["generated_at"],
        )
