"""KPIs and revenue trends from marts.revenue_daily (additive per day and restaurant)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboards.filters import Filters
from dashboards.formats import number
from dashboards.queries.connection import query


@dataclass(frozen=True)
class Kpis:
    orders: int
    revenue_usd: float
    aov_usd: float | None
    avg_delivery_minutes: float | None
    cancellation_rate: float | None


def kpis(filters: Filters) -> Kpis:
    where, params = filters.where()
    row = query(
        f"""
        SELECT
            coalesce(sum(orders_placed), 0) AS orders,
            coalesce(sum(revenue_usd), 0) AS revenue_usd,
            sum(revenue_usd) / nullif(sum(orders_delivered), 0) AS aov_usd,
            sum(delivery_minutes_sum) / nullif(sum(delivery_minutes_count), 0) AS avg_delivery_minutes,
            sum(orders_cancelled) / nullif(sum(orders_placed), 0) AS cancellation_rate
        FROM marts.revenue_daily
        WHERE {where}
        """,
        params,
    ).iloc[0]
    return Kpis(
        orders=int(row["orders"]),
        revenue_usd=float(row["revenue_usd"]),
        aov_usd=number(row["aov_usd"]),
        avg_delivery_minutes=number(row["avg_delivery_minutes"]),
        cancellation_rate=number(row["cancellation_rate"]),
    )


def daily_revenue_by_city(filters: Filters) -> pd.DataFrame:
    where, params = filters.where()
    return query(
        f"""
        SELECT order_date, city, sum(revenue_usd) AS revenue_usd, sum(orders_placed) AS orders
        FROM marts.revenue_daily
        WHERE {where}
        GROUP BY order_date, city
        ORDER BY order_date, city
        """,
        params,
    )


def revenue_by_currency(filters: Filters) -> pd.DataFrame:
    """Revenue in each selling currency (the finance view) next to its USD equivalent."""
    where, params = filters.where()
    return query(
        f"""
        SELECT currency, sum(orders_delivered) AS delivered_orders, sum(revenue_amount) AS revenue,
               sum(revenue_usd) AS revenue_usd
        FROM marts.revenue_daily
        WHERE {where}
        GROUP BY currency
        ORDER BY revenue_usd DESC
        """,
        params,
    )
