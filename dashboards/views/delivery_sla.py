"""Delivery SLA: promised vs actual minutes, on-time rate, and where the minutes go."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from dashboards.components import page_filters, scope_caption
from dashboards.formats import minutes, number, percent
from dashboards.queries import delivery_sla

st.title("Delivery SLA")
filters = page_filters()
scope_caption(filters, "Promise = placed + the city's promised minutes (dbt seed delivery_promises).")

summary = delivery_sla.sla_summary(filters)
delivered, on_time, average, p90, promised = st.columns(5)
delivered.metric(
    "Delivered",
    f"{int(summary['delivered']):,}",
    f"{int(summary['in_flight'])} in flight",
    delta_color="off",
    delta_arrow="off",
)
on_time.metric("On time", percent(number(summary["on_time_rate"])))
average.metric("Avg delivery", minutes(number(summary["avg_delivery_minutes"])))
p90.metric("P90 delivery", minutes(number(summary["p90_delivery_minutes"])))
promised.metric("Avg promise", minutes(number(summary["avg_promised_minutes"])))

late = delivery_sla.lateness(filters)
if late.empty:
    st.info("No delivered orders in this selection.")
else:
    left, right = st.columns(2)
    histogram = px.histogram(late, x="minutes_late", nbins=30, title="Minutes late (negative = early)")
    histogram.update_layout(xaxis_title="minutes late", yaxis_title="deliveries")
    histogram.add_vline(x=0, line_dash="dash")
    left.plotly_chart(histogram, key="lateness")
    trend = delivery_sla.on_time_by_day(filters)
    right.plotly_chart(
        px.line(trend, x="order_date", y="on_time_rate", title="On-time rate per day", range_y=[0, 1]).update_layout(
            xaxis_title=None, yaxis_title="on time", yaxis_tickformat=".0%"
        ),
        key="on_time_trend",
    )
    st.subheader("By city: where the minutes go")
    st.dataframe(
        delivery_sla.by_city(filters),
        hide_index=True,
        column_config={
            "city": st.column_config.TextColumn("City"),
            "delivered": st.column_config.NumberColumn("Delivered"),
            "on_time_rate": st.column_config.ProgressColumn("On time", format="percent", min_value=0, max_value=1),
            **{
                column: st.column_config.NumberColumn(column.replace("_", " ").capitalize(), format="%.1f")
                for column in (
                    "promised_minutes",
                    "kitchen_minutes",
                    "pickup_wait_minutes",
                    "ride_minutes",
                    "delivery_minutes",
                )
            },
        },
    )
