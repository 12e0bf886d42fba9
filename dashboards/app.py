"""The analysts' dashboards: navigation and the shared sidebar filters only; pages hold the layout."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboards.queries.connection import MartsUnavailableError
from dashboards.sidebar import render_filters

PAGES = Path(__file__).parent / "pages"

st.set_page_config(page_title="Pizza analytics", page_icon="🍕", layout="wide")
navigation = st.navigation(
    [
        st.Page(PAGES / "overview.py", title="Overview", icon="📈", url_path="overview", default=True),
        st.Page(PAGES / "orders_map.py", title="Orders map", icon="🗺️", url_path="orders_map"),
        st.Page(PAGES / "demand.py", title="Hourly demand", icon="🕒", url_path="demand"),
        st.Page(PAGES / "delivery_sla.py", title="Delivery SLA", icon="🛵", url_path="delivery_sla"),
        st.Page(PAGES / "cohorts.py", title="Cohorts", icon="👥", url_path="cohorts"),
        st.Page(PAGES / "restaurants.py", title="Restaurants", icon="🏆", url_path="restaurants"),
        st.Page(PAGES / "marketing.py", title="Marketing", icon="🎯", url_path="marketing"),
    ]
)
try:
    render_filters()
except MartsUnavailableError as missing:
    st.error(f"{missing}")
    st.stop()
navigation.run()
