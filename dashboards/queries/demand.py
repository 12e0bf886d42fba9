"""Orders by local hour of day and day of week, from marts.orders_hourly."""

from __future__ import annotations

import pandas as pd

from dashboards.filters import Filters
from dashboards.queries.connection import query


def orders_by_weekday_hour(filters: Filters) -> pd.DataFrame:
    where, params = filters.where()
    return query(
        f"""
        SELECT order_day_of_week, order_hour, sum(orders_placed) AS orders
        FROM marts.orders_hourly
        WHERE {where}
        GROUP BY order_day_of_week, order_hour
        ORDER BY order_day_of_week, order_hour
        """,
        params,
    )
