"""Audiences and cross-sell for marketers: RFM segments, items bought together, the recommendation feed."""

from __future__ import annotations

import pandas as pd

from dashboards.filters import Filters
from dashboards.queries.connection import query, table_exists


def segment_sizes(filters: Filters) -> pd.DataFrame:
    """Customers per RFM segment (current segments; city and restaurant of the first order)."""
    where, params = filters.where(
        date_column=None, city_column="first_order_city", restaurant_column="first_order_restaurant_id"
    )
    return query(
        f"""
        SELECT rfm_segment, count(*) AS customers, sum(lifetime_revenue_usd) AS lifetime_revenue_usd,
               avg(orders_placed) AS avg_orders, avg(recency_days) AS avg_recency_days
        FROM marts.dim_customers
        WHERE rfm_segment <> 'no_orders' AND {where}
        GROUP BY rfm_segment
        ORDER BY customers DESC
        """,
        params,
    )


def item_pairs(filters: Filters, *, min_orders: int = 3, limit: int = 15) -> pd.DataFrame:
    where, params = filters.where(date_column=None)
    return query(
        f"""
        SELECT item_a_name || ' + ' || item_b_name AS pair, city, orders_with_both, support,
               confidence_a_to_b, confidence_b_to_a, lift
        FROM marts.menu_item_affinity
        WHERE orders_with_both >= ? AND {where}
        ORDER BY lift DESC, orders_with_both DESC
        LIMIT ?
        """,
        [min_orders, *params, limit],
    )


def recommendations_available() -> bool:
    """Whether the recommendation job has published a feed (the mart exists but is empty until then)."""
    if not table_exists("marts", "customer_recommendations"):
        return False
    return bool(query("SELECT count(*) AS n FROM marts.customer_recommendations")["n"].iloc[0])


def recommendation_preview(filters: Filters, *, limit: int = 50) -> pd.DataFrame:
    """A sample of the feed: the top recommendations of customers in the selection."""
    where, params = filters.where(date_column=None)
    return query(
        f"""
        SELECT customer_id, rfm_segment, city, item_type, item_name, recommendation_rank, score,
               model_version, generated_at
        FROM marts.customer_recommendations
        WHERE {where}
        ORDER BY generated_at DESC, customer_id, item_type, recommendation_rank
        LIMIT ?
        """,
        [*params, limit],
    )


def recommendation_coverage(filters: Filters) -> pd.DataFrame:
    where, params = filters.where(date_column=None)
    return query(
        f"""
        SELECT rfm_segment, item_type, count(DISTINCT customer_id) AS customers, count(*) AS recommendations
        FROM marts.customer_recommendations
        WHERE {where}
        GROUP BY rfm_segment, item_type
        ORDER BY customers DESC
        """,
        params,
    )
