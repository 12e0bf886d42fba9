"""Customer support: tickets about an order (or none) on the customer's shard, a thread between the
customer and an agent, and an SLA clock (first response, resolution) fixed when a ticket opens."""

from api.domain.support.controllers import TicketController
from api.domain.support.services import SupportService

controllers = [TicketController]
__all__ = ["SupportService", "controllers"]
