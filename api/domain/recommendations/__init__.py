"""Recommendations for a customer: the feed the daily ALS refresh publishes, served as is (never
computed per request)."""

from api.domain.recommendations.controllers import RecommendationController
from api.domain.recommendations.services import RecommendationService

controllers = [RecommendationController]
__all__ = ["RecommendationService", "controllers"]
