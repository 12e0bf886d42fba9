"""Restaurant leaderboard: ranked by Bayesian rating, with the period's orders and revenue."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from dashboards.components import page_filters, scope_caption
from dashboards.queries import restaurants

st.title("Restaurant leaderboard")
filters = page_filters()
scope_caption(filters, "Ranking by rating shrunk towards the city mean; orders and revenue in the period.")

board = restaurants.leaderboard(filters)
if board.empty:
    st.info("No restaurants in this selection.")
else:
    rated = board.dropna(subset=["bayesian_rating"])
    best, busiest = st.columns(2)
    if not rated.empty:
        top = rated.iloc[0]
        best.metric(
            "Best rated",
            str(top["restaurant_name"]),
            f"{top['bayesian_rating']:.2f} stars (adjusted)",
            delta_color="off",
            delta_arrow="off",
        )
    leader = board.sort_values("orders", ascending=False).iloc[0]
    busiest.metric(
        "Most orders",
        str(leader["restaurant_name"]),
        f"{int(leader['orders']):,} orders",
        delta_color="off",
        delta_arrow="off",
    )
    st.dataframe(
        board,
        hide_index=True,
        column_config={
            "rank_overall": st.column_config.NumberColumn("#"),
            "rank_in_city": st.column_config.NumberColumn("# in city"),
            "restaurant_name": st.column_config.TextColumn("Restaurant"),
            "city": st.column_config.TextColumn("City"),
            "cuisine": st.column_config.TextColumn("Cuisine"),
            "orders": st.column_config.NumberColumn("Orders"),
            "bayesian_rating": st.column_config.ProgressColumn(
                "Rating (adjusted)", format="%.2f", min_value=1, max_value=5
            ),
            "rating_avg": st.column_config.NumberColumn("Stars", format="%.2f"),
            "rating_count": st.column_config.NumberColumn("Reviews"),
            "revenue_usd": st.column_config.NumberColumn("Revenue (USD)", format="$%.0f"),
            "cancellation_rate": st.column_config.NumberColumn("Cancelled", format="percent"),
            "on_time_rate": st.column_config.NumberColumn("On time", format="percent"),
        },
    )
    top_ten = board.head(10).sort_values("orders")
    st.plotly_chart(
        px.bar(
            top_ten, x="orders", y="restaurant_name", orientation="h", title="Orders of the top-rated ten"
        ).update_layout(yaxis_title=None),
        key="leaderboard_orders",
    )
