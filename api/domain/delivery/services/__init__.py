"""Riders, assignment and tracking.

Entry points for order events (``on_order_ready``, ``on_status_changed``, ``on_order_picked_up``,
``on_order_delivered``, ``on_order_cancelled``, or ``handle`` for any of them) are idempotent: the
saga consumer may deliver an event twice, and replaying one changes nothing and publishes nothing new
that the customer has not seen.

One job a module: the riders' shifts and positions, assigning riders to ready orders, the delivery's
status moves, and what a customer may follow of an order.
"""

from api.domain.delivery.services._assignment_check import assigned_rider
from api.domain.delivery.services._order_tracking import TERMINAL
from api.domain.delivery.services._service import DeliveryService

__all__ = ["TERMINAL", "DeliveryService", "assigned_rider"]
