"""Reviews and ratings: one review per delivered order, restaurant rating aggregates kept current."""

from api.domain.reviews.controllers import OrderReviewController, RestaurantReviewController
from api.domain.reviews.services import ReviewService

controllers = [OrderReviewController, RestaurantReviewController]
__all__ = ["ReviewService", "controllers"]
