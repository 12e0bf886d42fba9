"""Carts and orders: server-side pricing, idempotent creation, the order state machine, staff queues.

Other domains use ``change_status_in_tx`` (inside their own shard transaction, e.g. the payment saga
marking an order PAID with its payment row) and then ``OrderService.project``; maintenance jobs use
``reproject`` to repair the restaurant projection from the shards (``reproject_order`` for one order);
event handlers read what they need of one order with ``order_facts``.
"""

from api.domain.orders.controllers import (
    CartController,
    OrderController,
    RefundRequestAdminController,
    RestaurantOrderController,
)
from api.domain.orders.imports import OrderImportController
from api.domain.orders.lookup import OrderFacts, order_facts
from api.domain.orders.reconcile import reproject, reproject_order
from api.domain.orders.services import OrderService, StatusChangeResult, change_status_in_tx

controllers = [
    CartController,
    OrderController,
    RestaurantOrderController,
    OrderImportController,
    RefundRequestAdminController,
]
__all__ = [
    "OrderFacts",
    "OrderService",
    "StatusChangeResult",
    "change_status_in_tx",
    "controllers",
    "order_facts",
    "reproject",
    "reproject_order",
]
