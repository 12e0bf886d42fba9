"""Cohort retention: of the customers acquired in a week, how many order again N weeks later."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from dashboards.components import page_filters, scope_caption
from dashboards.formats import percent
from dashboards.queries import cohorts

st.title("Cohort retention")
filters = page_filters()
scope_caption(filters, "Cohorts = acquisition weeks in the range; city and restaurant of the first order.")

cells = cohorts.retention(filters)
if cells.empty:
    st.info("No customers were acquired in this selection.")
else:
    grid = cells.pivot_table(index="cohort_week", columns="weeks_since_first_order", values="retention_rate")
    grid.index = [f"{week:%Y-%m-%d}" for week in grid.index]
    week_one = cells[cells["weeks_since_first_order"] == 1]
    sizes = cells.drop_duplicates("cohort_week")
    acquired, returning = st.columns(2)
    acquired.metric("Customers acquired", f"{int(sizes['cohort_customers'].sum()):,}")
    returning.metric(
        "Back in week 1",
        percent(
            float(week_one["active_customers"].sum()) / float(sizes["cohort_customers"].sum())
            if not week_one.empty
            else None
        ),
    )
    figure = px.imshow(
        grid,
        labels={"x": "Weeks since first order", "y": "Cohort (week of first order)", "color": "Retention"},
        aspect="auto",
        text_auto=".0%",
        color_continuous_scale="Blues",
        zmin=0,
        zmax=1,
    )
    figure.update_yaxes(type="category")  # week labels, not a date axis
    st.plotly_chart(figure, key="cohort_heatmap")
