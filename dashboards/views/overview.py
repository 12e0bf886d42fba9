"""Overview: the five KPIs with deltas against the previous period, revenue trend and currencies."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from dashboards.components import page_filters, scope_caption
from dashboards.formats import delta, money, percent
from dashboards.queries import overview

st.title("Overview")
filters = page_filters()
scope_caption(filters, f"Deltas compare with the previous {filters.days} days.")

now, before = overview.kpis(filters), overview.kpis(filters.previous())
orders, revenue, aov, delivery, cancel = st.columns(5)
orders.metric("Orders", f"{now.orders:,}", delta(now.orders, before.orders))
revenue.metric("Revenue (USD)", money(now.revenue_usd), delta(now.revenue_usd, before.revenue_usd))
aov.metric("Avg order value", money(now.aov_usd), delta(now.aov_usd, before.aov_usd))
delivery.metric(
    "Delivery time (min)",
    "-" if now.avg_delivery_minutes is None else f"{now.avg_delivery_minutes:.1f}",
    delta(now.avg_delivery_minutes, before.avg_delivery_minutes),
    delta_color="inverse",
)
cancel.metric(
    "Cancellation rate",
    percent(now.cancellation_rate),
    delta(now.cancellation_rate, before.cancellation_rate),
    delta_color="inverse",
)
st.caption("Revenue counts delivered orders, converted to USD at static reference rates (dbt seed fx_rates).")

daily = overview.daily_revenue_by_city(filters)
if daily.empty:
    st.info("No orders in this selection.")
else:
    figure = px.area(daily, x="order_date", y="revenue_usd", color="city", title="Daily revenue by city (USD)")
    figure.update_layout(xaxis_title=None, yaxis_title="USD", legend_title=None, margin={"t": 40})
    st.plotly_chart(figure, key="daily_revenue")

st.subheader("Revenue per currency")
st.dataframe(
    overview.revenue_by_currency(filters),
    hide_index=True,
    column_config={
        "revenue": st.column_config.NumberColumn("Revenue (local)", format="%.2f"),
        "revenue_usd": st.column_config.NumberColumn("Revenue (USD)", format="$%.0f"),
        "delivered_orders": st.column_config.NumberColumn("Delivered orders"),
    },
)
