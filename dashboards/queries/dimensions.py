"""Choices for the sidebar filters and the snapshot's publication time."""

from __future__ import annotations

from datetime import date

import pandas as pd

from dashboards.queries.connection import query


def date_bounds() -> tuple[date, date] | None:
    frame = query("SELECT min(order_date) AS first_day, max(order_date) AS last_day FROM marts.revenue_daily")
    first, last = frame["first_day"].iloc[0], frame["last_day"].iloc[0]
    if pd.isna(first) or pd.isna(last):
        return None
    return pd.Timestamp(first).date(), pd.Timestamp(last).date()


def cities() -> list[str]:
    return query("SELECT DISTINCT city FROM marts.dim_restaurants ORDER BY city")["city"].tolist()


def restaurants(cities: tuple[str, ...] = ()) -> pd.DataFrame:
    """restaurant_id, label ("Name (City)") of the restaurants in the chosen cities (all when none)."""
    where, params = "TRUE", []
    if cities:
        where, params = f"city IN ({', '.join('?' for _ in cities)})", list(cities)
    return query(
        "SELECT restaurant_id, restaurant_name || ' (' || city || ')' AS label "
        f"FROM marts.dim_restaurants WHERE {where} ORDER BY city, restaurant_name",
        params,
    )


def published_at() -> str | None:
    frame = query("SELECT strftime(published_at, '%Y-%m-%d %H:%M UTC') AS at FROM meta.snapshot")
    return None if frame.empty else str(frame["at"].iloc[0])
