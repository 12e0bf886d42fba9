"""Loyalty points: earned on delivered orders (``LoyaltyService.award_points``), redeemed at pricing
time inside the order's transaction (``loyalty_discount``), shown with their ledger."""

from api.domain.loyalty.controllers import LoyaltyController
from api.domain.loyalty.services import LoyaltyDiscount, LoyaltyService, loyalty_discount, quote_discount

controllers = [LoyaltyController]
__all__ = ["LoyaltyDiscount", "LoyaltyService", "controllers", "loyalty_discount", "quote_discount"]
