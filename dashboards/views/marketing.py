"""Marketing: RFM audience sizes, dishes bought together, and a preview of the recommendation feed."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from dashboards.components import page_filters, scope_caption
from dashboards.queries import marketing

st.title("Marketing")
filters = page_filters()
scope_caption(filters, "Segments are current (RFM); the date range does not apply to this page.")

segments = marketing.segment_sizes(filters)
st.subheader("Segment sizes")
if segments.empty:
    st.info("No customers in this selection.")
else:
    audience, champions = st.columns(2)
    audience.metric("Customers with orders", f"{int(segments['customers'].sum()):,}")
    champion_rows = segments[segments["rfm_segment"] == "champions"]
    champions.metric("Champions", f"{int(champion_rows['customers'].sum()):,}")
    st.plotly_chart(px.bar(segments, x="rfm_segment", y="customers", title="Customers per RFM segment"), key="segments")

st.subheader("Often ordered together")
pairs = marketing.item_pairs(filters)
if pairs.empty:
    st.info("Not enough multi-item orders in this selection.")
else:
    st.dataframe(
        pairs,
        hide_index=True,
        column_config={
            "pair": st.column_config.TextColumn("Items"),
            "city": st.column_config.TextColumn("City"),
            "orders_with_both": st.column_config.NumberColumn("Orders with both"),
            "support": st.column_config.NumberColumn("Support", format="percent"),
            "confidence_a_to_b": st.column_config.NumberColumn("P(B|A)", format="percent"),
            "confidence_b_to_a": st.column_config.NumberColumn("P(A|B)", format="percent"),
            "lift": st.column_config.NumberColumn("Lift", format="%.2f"),
        },
    )

st.subheader("Recommendation feed")
if not marketing.recommendations_available():
    st.info(
        "No recommendation feed yet: the recommendation job has not written lake.customer_recommendations. "
        "Once it has, the next `pizza dbt build` publishes marts.customer_recommendations and it shows here."
    )
else:
    coverage = marketing.recommendation_coverage(filters)
    st.metric("Customers with recommendations", f"{int(coverage['customers'].sum()):,}" if not coverage.empty else "0")
    st.dataframe(coverage, hide_index=True)
    st.dataframe(marketing.recommendation_preview(filters), hide_index=True)
