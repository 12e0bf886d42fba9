"""The sidebar filters, drawn once per run by app.py so they persist across pages."""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboards.filters import Filters, default_range
from dashboards.queries import dimensions
from dashboards.settings import get_dashboard_settings

FILTERS_KEY = "filters"


def render_filters() -> Filters | None:
    """Draw date range, city and restaurant pickers; store and return the resulting Filters."""
    bounds = dimensions.date_bounds()
    if bounds is None:
        st.session_state[FILTERS_KEY] = None
        return None
    first, last = bounds
    with st.sidebar:
        st.header("Filters")
        chosen = st.date_input(
            "Order dates (local)",
            value=default_range(last, get_dashboard_settings().default_days),
            min_value=first,
            max_value=last,
            key="filter_dates",
        )
        start, end = _range(chosen, first, last)
        cities = tuple(st.multiselect("City", dimensions.cities(), key="filter_cities", placeholder="All cities"))
        restaurants = dimensions.restaurants(cities)
        labels = dict(zip(restaurants["restaurant_id"], restaurants["label"], strict=True))
        restaurant_ids = tuple(
            st.multiselect(
                "Restaurant",
                list(labels),
                format_func=lambda rid: labels.get(rid, rid),
                key="filter_restaurants",
                placeholder="All restaurants",
            )
        )
        published = dimensions.published_at()
        if published:
            st.caption(f"Marts published {published}")
    filters = Filters(start=start, end=end, cities=cities, restaurant_ids=restaurant_ids)
    st.session_state[FILTERS_KEY] = filters
    return filters


def _range(chosen: object, first: date, last: date) -> tuple[date, date]:
    """st.date_input returns a 1-tuple while the user is still picking the end date."""
    if isinstance(chosen, tuple | list):
        if len(chosen) == 2:
            return chosen[0], chosen[1]
        if len(chosen) == 1:
            return chosen[0], chosen[0]
    if isinstance(chosen, date):
        return chosen, chosen
    return first, last


def current_filters() -> Filters | None:
    value = st.session_state.get(FILTERS_KEY)
    return value if isinstance(value, Filters) else None
