"""Hourly demand: orders by local hour and day of week (restaurant's time zone)."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from dashboards.components import page_filters, scope_caption
from dashboards.queries import demand

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

st.title("Hourly demand")
filters = page_filters()
scope_caption(filters, "Hours are local to each restaurant.")

cells = demand.orders_by_weekday_hour(filters)
if cells.empty:
    st.info("No orders in this selection.")
else:
    grid = (
        cells.pivot_table(index="order_day_of_week", columns="order_hour", values="orders", aggfunc="sum")
        .reindex(index=range(1, 8), columns=range(24))
        .fillna(0)
    )
    grid.index = DAYS
    peak_day, peak_hour = divmod(int(grid.to_numpy().argmax()), 24)
    total, peak = st.columns(2)
    total.metric("Orders", f"{int(cells['orders'].sum()):,}")
    peak.metric("Peak slot", f"{DAYS[peak_day]} {peak_hour:02d}:00")
    figure = px.imshow(
        grid,
        labels={"x": "Hour of day", "y": "", "color": "Orders"},
        aspect="auto",
        color_continuous_scale="Oranges",
        title="Orders per hour and weekday",
    )
    st.plotly_chart(figure, key="demand_heatmap")
    hourly = grid.sum(axis=0).rename("orders").rename_axis("hour").reset_index()
    st.plotly_chart(px.bar(hourly, x="hour", y="orders", title="Orders per hour of day"), key="demand_by_hour")
