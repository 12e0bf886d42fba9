"""Ordering logic: quote a cart, place an order exactly once, move it along the state machine.

Writes follow the transactional outbox: the order rows, the status history and the domain event
are committed together on the user's shard, so an event exists if and only if the change does.
The restaurant-side projection in the catalog is written right after the shard commit (see
docs/orders.md for the trade-off); it is an index for staff, never the source of truth.
"""

from api.domain.orders.services._mapping import load_order
from api.domain.orders.services._orders import OrderService
from api.domain.orders.services._refund_decisions import RefundDecisions
from api.domain.orders.services._transitions import StatusChangeResult, actor_of, change_status_in_tx

__all__ = ["OrderService", "RefundDecisions", "StatusChangeResult", "actor_of", "change_status_in_tx", "load_order"]
