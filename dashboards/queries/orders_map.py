"""Orders and revenue per city with the city's position (mean of its restaurants' coordinates)."""

from __future__ import annotations

import pandas as pd

from dashboards.filters import Filters
from dashboards.queries.connection import query


def orders_by_city(filters: Filters) -> pd.DataFrame:
    where, params = filters.where(date_column="d.order_date", city_column="d.city", restaurant_column="d.restaurant_id")
    return query(
        f"""
        WITH places AS (
            SELECT city, avg(lat) AS lat, avg(lon) AS lon FROM marts.dim_restaurants GROUP BY city
        )
        SELECT d.city, any_value(d.country_code) AS country_code, places.lat, places.lon,
               sum(d.orders_placed) AS orders, sum(d.revenue_usd) AS revenue_usd
        FROM marts.revenue_daily AS d
        JOIN places ON places.city = d.city
        WHERE {where}
        GROUP BY d.city, places.lat, places.lon
        ORDER BY orders DESC
        """,
        params,
    )
