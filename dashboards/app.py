"""The analysts' dashboards: navigation only. Pages hold the layout; each draws the shared sidebar filters.

The pages live in ``views/``, not ``pages/``: Streamlit treats a ``pages/`` folder beside the entry point
as its legacy multipage mode, which runs a page without this script and ignores ``st.navigation``.
Icons are Material Symbols, a font Streamlit serves itself (emoji need fonts a server may lack).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

VIEWS = Path(__file__).parent / "views"
# file stem (= URL path), title, icon; the first is the landing page
PAGES = (
    ("overview", "Overview", ":material/monitoring:"),
    ("orders_map", "Orders map", ":material/map:"),
    ("demand", "Hourly demand", ":material/schedule:"),
    ("delivery_sla", "Delivery SLA", ":material/delivery_dining:"),
    ("cohorts", "Cohorts", ":material/group:"),
    ("restaurants", "Restaurants", ":material/trophy:"),
    ("marketing", "Marketing", ":material/campaign:"),
)

st.set_page_config(page_title="Pizza analytics", page_icon=":material/local_pizza:", layout="wide")
st.navigation(
    [
        st.Page(VIEWS / f"{stem}.py", title=title, icon=icon, url_path=stem, default=index == 0)
        for index, (stem, title, icon) in enumerate(PAGES)
    ]
).run()
