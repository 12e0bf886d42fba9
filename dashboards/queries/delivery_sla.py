"""Promised vs actual delivery times from marts.fct_deliveries."""

from __future__ import annotations

import pandas as pd

from dashboards.filters import Filters
from dashboards.queries.connection import query


def sla_summary(filters: Filters) -> pd.Series:
    where, params = filters.where()
    return query(
        f"""
        SELECT
            count(*) FILTER (WHERE delivery_status = 'delivered') AS delivered,
            count(*) FILTER (WHERE delivery_status = 'in_flight') AS in_flight,
            avg(CASE WHEN is_on_time THEN 1.0 WHEN is_on_time IS NOT NULL THEN 0.0 END) AS on_time_rate,
            avg(delivery_minutes) AS avg_delivery_minutes,
            quantile_cont(delivery_minutes, 0.9) AS p90_delivery_minutes,
            avg(promised_minutes) FILTER (WHERE delivery_status = 'delivered') AS avg_promised_minutes
        FROM marts.fct_deliveries
        WHERE {where}
        """,
        params,
    ).iloc[0]


def lateness(filters: Filters) -> pd.DataFrame:
    """Minutes late (negative = early) of every delivered order in the selection."""
    where, params = filters.where()
    return query(
        f"SELECT minutes_late FROM marts.fct_deliveries WHERE delivery_status = 'delivered' AND {where}",
        params,
    )


def by_city(filters: Filters) -> pd.DataFrame:
    where, params = filters.where()
    return query(
        f"""
        SELECT city,
               count(*) FILTER (WHERE delivery_status = 'delivered') AS delivered,
               avg(CASE WHEN is_on_time THEN 1.0 WHEN is_on_time IS NOT NULL THEN 0.0 END) AS on_time_rate,
               avg(promised_minutes) AS promised_minutes,
               avg(kitchen_minutes) AS kitchen_minutes,
               avg(pickup_wait_minutes) AS pickup_wait_minutes,
               avg(ride_minutes) AS ride_minutes,
               avg(delivery_minutes) AS delivery_minutes
        FROM marts.fct_deliveries
        WHERE {where}
        GROUP BY city
        ORDER BY on_time_rate
        """,
        params,
    )


def on_time_by_day(filters: Filters) -> pd.DataFrame:
    where, params = filters.where()
    return query(
        f"""
        SELECT order_date,
               avg(CASE WHEN is_on_time THEN 1.0 WHEN is_on_time IS NOT NULL THEN 0.0 END) AS on_time_rate
        FROM marts.fct_deliveries
        WHERE delivery_status = 'delivered' AND {where}
        GROUP BY order_date
        ORDER BY order_date
        """,
        params,
    )
