"""The restaurant leaderboard: ratings from marts.restaurant_ratings, activity in the selected period."""

from __future__ import annotations

import pandas as pd

from dashboards.filters import Filters
from dashboards.queries.connection import query


def leaderboard(filters: Filters) -> pd.DataFrame:
    period, period_params = filters.where(city_column=None, restaurant_column=None)
    scope, scope_params = filters.where(date_column=None, city_column="r.city", restaurant_column="r.restaurant_id")
    return query(
        f"""
        WITH period AS (
            SELECT restaurant_id, sum(orders_placed) AS orders, sum(revenue_usd) AS revenue_usd,
                   sum(orders_cancelled) / nullif(sum(orders_placed), 0) AS cancellation_rate
            FROM marts.revenue_daily
            WHERE {period}
            GROUP BY restaurant_id
        )
        SELECT r.rank_overall, r.rank_in_city, r.restaurant_name, r.city, r.cuisine,
               r.bayesian_rating, r.rating_avg, r.rating_count,
               coalesce(period.orders, 0) AS orders, coalesce(period.revenue_usd, 0) AS revenue_usd,
               period.cancellation_rate, r.on_time_rate
        FROM marts.restaurant_ratings AS r
        LEFT JOIN period ON period.restaurant_id = r.restaurant_id
        WHERE {scope}
        ORDER BY r.bayesian_rating DESC NULLS LAST, orders DESC
        """,
        [*period_params, *scope_params],
    )
