"""Weekly cohort retention from marts.customer_cohorts (additive per first-order restaurant)."""

from __future__ import annotations

import pandas as pd

from dashboards.filters import Filters
from dashboards.queries.connection import query


def retention(filters: Filters) -> pd.DataFrame:
    """cohort_week, weeks_since_first_order, cohort_customers, active_customers, retention_rate.

    The date range selects acquisition weeks (cohorts whose week overlaps the range).
    """
    where, params = filters.where(date_column=None)
    return query(
        f"""
        WITH cells AS (
            SELECT cohort_week, weeks_since_first_order, sum(active_customers) AS active_customers
            FROM marts.customer_cohorts
            WHERE cohort_week BETWEEN date_trunc('week', ?::DATE) AND ? AND {where}
            GROUP BY cohort_week, weeks_since_first_order
        ),
        sizes AS (
            SELECT cohort_week, sum(cohort_customers) AS cohort_customers
            FROM (
                SELECT DISTINCT cohort_week, restaurant_id, cohort_customers
                FROM marts.customer_cohorts
                WHERE cohort_week BETWEEN date_trunc('week', ?::DATE) AND ? AND {where}
            ) AS per_restaurant
            GROUP BY cohort_week
        )
        SELECT cells.cohort_week, cells.weeks_since_first_order, sizes.cohort_customers, cells.active_customers,
               cells.active_customers / sizes.cohort_customers AS retention_rate
        FROM cells JOIN sizes USING (cohort_week)
        ORDER BY cells.cohort_week, cells.weeks_since_first_order
        """,
        [filters.start, filters.end, *params, filters.start, filters.end, *params],
    )
