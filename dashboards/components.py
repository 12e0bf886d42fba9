"""Layout helpers shared by the pages: the sidebar filters a page runs with, the scope line under a title."""

from __future__ import annotations

import streamlit as st

from dashboards.filters import Filters
from dashboards.queries.connection import MartsUnavailableError
from dashboards.sidebar import render_filters


def page_filters() -> Filters:
    """Draw the sidebar filters and return them; explain and stop when there is nothing to show."""
    try:
        filters = render_filters()
    except MartsUnavailableError as missing:
        st.error(f"{missing}")
        st.stop()
    if filters is None:
        st.info("The marts are empty: load the warehouse and run `pizza dbt build`.")
        st.stop()
    assert filters is not None
    return filters


def scope_caption(filters: Filters, note: str = "") -> None:
    cities = ", ".join(filters.cities) if filters.cities else "all cities"
    restaurants = f"{len(filters.restaurant_ids)} restaurant(s)" if filters.restaurant_ids else "all restaurants"
    st.caption(f"{filters.start:%d %b %Y} - {filters.end:%d %b %Y} · {cities} · {restaurants}. {note}".strip())
