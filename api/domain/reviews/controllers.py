"""Write a review of a delivered order; read a restaurant's reviews (public)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.params import Parameter

from api.domain.reviews.deps import provide_review_service
from api.domain.reviews.schemas import Review, ReviewCreate, ReviewPage
from api.domain.reviews.services import ReviewService
from api.lib.auth import CurrentUser, require_roles

SERVICE = {"reviews": Provide(provide_review_service, sync_to_thread=False)}


class OrderReviewController(Controller):
    path = "/orders/{order_id:uuid}/review"
    tags = ["reviews"]
    dependencies = SERVICE

    @post(
        "",
        operation_id="CreateReview",
        summary="Review your delivered order (once per order)",
        guards=[require_roles("customer")],
    )
    async def create_review(
        self, request: Request[CurrentUser, Any, Any], order_id: uuid.UUID, data: ReviewCreate, reviews: ReviewService
    ) -> Review:
        return await reviews.create(request.user, order_id, data)


class RestaurantReviewController(Controller):
    path = "/restaurants/{restaurant_id:uuid}/reviews"
    tags = ["reviews"]
    dependencies = SERVICE

    @get(
        "",
        operation_id="ListRestaurantReviews",
        summary="A restaurant's rating and reviews, newest first",
        opt={"exclude_from_auth": True},
        security=[{}],
    )
    async def list_reviews(
        self,
        restaurant_id: uuid.UUID,
        reviews: ReviewService,
        cursor: Annotated[str | None, Parameter(max_length=200, description="next_cursor of the previous page")] = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
    ) -> ReviewPage:
        return await reviews.list_for_restaurant(restaurant_id, cursor, limit)
