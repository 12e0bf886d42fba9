"""Customer support: tickets about an order (or none) on the customer's shard, a thread between the
customer and an agent, resolutions carried out by payments, coupons and loyalty, and an SLA clock (first
response, resolution) fixed when a ticket opens and escalated by a durable timer (``SupportSlaTimer``)."""

from api.domain.support.controllers import TicketController
from api.domain.support.services import SupportService, SupportSlaTimer

controllers = [TicketController]
__all__ = ["SupportService", "SupportSlaTimer", "controllers"]
