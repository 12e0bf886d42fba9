"""The sidebar filters. Every page draws them first (``components.page_filters``).

Streamlit forgets a widget's value when the page that drew it is left, so every filter widget copies its
value into a plain session-state entry when it changes (``_remember``), and each page seeds its widgets
from those entries (``_restore``): the selection follows the analyst from page to page.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from dashboards.filters import Filters, default_range
from dashboards.queries import dimensions
from dashboards.settings import get_dashboard_settings

DATES_KEY, CITIES_KEY, RESTAURANTS_KEY = "filter_dates", "filter_cities", "filter_restaurants"


def _kept(key: str) -> str:
    return f"kept_{key}"


def _remember(key: str) -> None:
    """Widget callback: keep the new value beyond the page's life."""
    st.session_state[_kept(key)] = st.session_state[key]


def _restore(key: str, fallback: Any, valid: Any = lambda value: True) -> None:
    """Seed a widget with its kept value (or ``fallback`` when none is kept or it no longer fits)."""
    value = st.session_state.get(_kept(key), fallback)
    st.session_state[key] = value if valid(value) else fallback


def render_filters() -> Filters | None:
    """Draw date range, city and restaurant pickers; return the Filters (None when the marts are empty)."""
    bounds = dimensions.date_bounds()
    if bounds is None:
        return None
    first, last = bounds
    all_cities = dimensions.cities()
    _restore(
        DATES_KEY,
        default_range(last, get_dashboard_settings().default_days),
        lambda dates: 1 <= len(dates) <= 2 and all(first <= day <= last for day in dates),  # 1: mid-pick
    )
    _restore(CITIES_KEY, [], lambda cities: set(cities) <= set(all_cities))
    with st.sidebar:
        st.header("Filters")
        chosen = st.date_input(
            "Order dates (local)",
            min_value=first,
            max_value=last,
            key=DATES_KEY,
            on_change=_remember,
            args=(DATES_KEY,),
        )
        start, end = _range(chosen, first, last)
        cities = tuple(
            st.multiselect(
                "City", all_cities, key=CITIES_KEY, placeholder="All cities", on_change=_remember, args=(CITIES_KEY,)
            )
        )
        restaurants = dimensions.restaurants(cities)
        labels = dict(zip(restaurants["restaurant_id"], restaurants["label"], strict=True))
        kept = st.session_state.get(_kept(RESTAURANTS_KEY), [])
        st.session_state[RESTAURANTS_KEY] = [rid for rid in kept if rid in labels]  # other cities' picks drop
        restaurant_ids = tuple(
            st.multiselect(
                "Restaurant",
                list(labels),
                format_func=lambda rid: labels.get(rid, rid),
                key=RESTAURANTS_KEY,
                placeholder="All restaurants",
                on_change=_remember,
                args=(RESTAURANTS_KEY,),
            )
        )
        published = dimensions.published_at()
        if published:
            st.caption(f"Marts published {published}")
    return Filters(start=start, end=end, cities=cities, restaurant_ids=restaurant_ids)


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
