"""An offline world map for pydeck: no tile server is reachable, so the map draws its own background.

The background is the country outlines shipped in ``data/world_countries.geojson`` (Natural Earth
1:110m, public domain; see ``data/build_world_outline.py``) under a 30-degree graticule; the data layers
are city bubbles sized by orders and their labels. The map renders the same offline, in CI and in
production.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import pydeck as pdk

WORLD_OUTLINE = Path(__file__).with_name("data") / "world_countries.geojson"


@lru_cache(maxsize=1)
def world_outline() -> dict[str, Any]:
    """The country outlines as a GeoJSON FeatureCollection (read once per process)."""
    return json.loads(WORLD_OUTLINE.read_text())  # type: ignore[no-any-return]


def graticule(step: int = 30, resolution: int = 5) -> list[dict[str, object]]:
    """Lines of constant longitude and latitude as pydeck PathLayer rows ({"path": [[lon, lat], ...]})."""
    lines: list[dict[str, object]] = []
    for lon in range(-180, 181, step):
        lines.append({"path": [[lon, lat] for lat in range(-80, 81, resolution)], "kind": "meridian"})
    for lat in range(-60, 61, step):
        lines.append({"path": [[lon, lat] for lon in range(-180, 181, resolution)], "kind": "parallel"})
    return lines


def bubble_radius_m(orders: float, max_orders: float, *, max_radius_m: float = 600_000) -> float:
    """Area-proportional bubbles: radius grows with the square root of the orders."""
    if max_orders <= 0 or orders <= 0:
        return 0.0
    return max_radius_m * math.sqrt(orders / max_orders)


def orders_deck(cities: pd.DataFrame) -> pdk.Deck:
    """A deck of the graticule plus one bubble per city (columns city, lat, lon, orders, revenue_usd)."""
    points = cities.copy()
    max_orders = float(points["orders"].max()) if not points.empty else 0.0
    points["radius"] = [bubble_radius_m(float(n), max_orders) for n in points["orders"]]
    points["revenue_label"] = [f"${v:,.0f}" for v in points["revenue_usd"]]
    layers = [
        pdk.Layer(
            "GeoJsonLayer",
            data=world_outline(),
            stroked=True,
            filled=True,
            get_fill_color=[226, 229, 234, 255],
            get_line_color=[150, 155, 165, 255],
            line_width_min_pixels=1,
        ),
        pdk.Layer(
            "PathLayer",
            data=graticule(),
            get_path="path",
            get_color=[120, 130, 150, 90],
            width_min_pixels=1,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            data=points,
            get_position=["lon", "lat"],
            get_radius="radius",
            get_fill_color=[230, 80, 40, 170],
            get_line_color=[120, 30, 10, 255],
            stroked=True,
            line_width_min_pixels=1,
            radius_min_pixels=4,
            pickable=True,
        ),
        pdk.Layer(
            "TextLayer",
            data=points,
            get_position=["lon", "lat"],
            get_text="city",
            get_size=14,
            get_color=[30, 30, 30, 255],
            get_pixel_offset=[0, -18],
            # city names are not all ASCII (São Paulo): build glyphs on demand. The inner quotes make pydeck
            # pass a string literal; a bare string would be sent as a JavaScript expression.
            character_set="'auto'",
        ),
    ]
    center_lat = float(points["lat"].mean()) if not points.empty else 20.0
    center_lon = float(points["lon"].mean()) if not points.empty else 0.0
    return pdk.Deck(
        layers=layers,
        initial_view_state=pdk.ViewState(latitude=center_lat, longitude=center_lon, zoom=0.6),
        map_style=None,  # no base tiles: they cannot load offline
        tooltip={"text": "{city}: {orders} orders, {revenue_label}"},  # type: ignore[arg-type]
    )
