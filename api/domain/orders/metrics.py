"""Prometheus counters of the ordering domain (summed over Granian workers by the multiprocess collector).

``pizza_order_projection_failures_total`` is the one to alert on: each increment is an order whose
restaurant-side row is missing or stale until the reconciliation repairs it.
"""

from __future__ import annotations

from prometheus_client import Counter

ORDERS_PLACED = Counter("pizza_orders_placed_total", "POST /orders answered with an order", ["outcome"])
TRANSITIONS = Counter(
    "pizza_order_transitions_total", "Order status changes written (a later rollback is still counted)", ["to_status"]
)
COUPONS = Counter("pizza_coupon_uses_total", "Coupon uses at order time", ["outcome"])
PROJECTION_FAILURES = Counter(
    "pizza_order_projection_failures_total", "Restaurant projection writes that failed after the shard commit"
)
