"""Orders map: one bubble per city, sized by orders, over an offline graticule."""

from __future__ import annotations

import streamlit as st

from dashboards.components import page_filters, scope_caption
from dashboards.queries import orders_map
from dashboards.world_map import orders_deck

st.title("Orders by city")
filters = page_filters()
scope_caption(filters)

cities = orders_map.orders_by_city(filters)
if cities.empty:
    st.info("No orders in this selection.")
else:
    top = cities.iloc[0]
    busiest, count = st.columns(2)
    busiest.metric(
        "Busiest city", str(top["city"]), f"{int(top['orders']):,} orders", delta_color="off", delta_arrow="off"
    )
    count.metric("Cities with orders", f"{len(cities)}")
    st.pydeck_chart(orders_deck(cities), height=460)
    st.dataframe(
        cities[["city", "country_code", "orders", "revenue_usd"]],
        hide_index=True,
        column_config={
            "city": st.column_config.TextColumn("City"),
            "country_code": st.column_config.TextColumn("Country"),
            "orders": st.column_config.NumberColumn("Orders"),
            "revenue_usd": st.column_config.NumberColumn("Revenue (USD)", format="$%.0f"),
        },
    )
