"""``GET /users/{user_id}/recommendations``: the published feed of one customer."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import Provide
from litestar.params import Parameter

from api.domain.recommendations.deps import provide_recommendation_service
from api.domain.recommendations.schemas import ItemType, Recommendations
from api.domain.recommendations.services import RecommendationService
from api.lib.auth import CurrentUser

MAX_LIMIT = 50


class RecommendationController(Controller):
    path = "/users/{user_id:uuid}/recommendations"
    tags = ["recommendations"]
    dependencies = {"recommendations": Provide(provide_recommendation_service, sync_to_thread=False)}

    @get(
        "",
        operation_id="GetUserRecommendations",
        summary="A customer's recommended dishes and restaurants (yourself, or any customer as admin)",
        description="Refreshed daily by the recommendation job; empty for a customer without purchases yet.",
    )
    async def recommendations(
        self,
        request: Request[CurrentUser, Any, Any],
        user_id: uuid.UUID,
        recommendations: RecommendationService,
        item_type: Annotated[
            ItemType | None, Parameter(query="type", description="only dishes or only restaurants; default both")
        ] = None,
        limit: Annotated[int, Parameter(ge=1, le=MAX_LIMIT, description="at most this many of each type")] = 10,
    ) -> Recommendations:
        return await recommendations.for_user(request.user, user_id, item_type, limit)
