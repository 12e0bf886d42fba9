from __future__ import annotations

import json

import pandas as pd
import pytest

from dashboards.world_map import bubble_radius_m, graticule, orders_deck, world_outline

pytestmark = pytest.mark.unit


def test_graticule_draws_meridians_and_parallels_inside_the_world() -> None:
    lines = graticule(step=30, resolution=10)
    meridians = [line for line in lines if line["kind"] == "meridian"]
    parallels = [line for line in lines if line["kind"] == "parallel"]
    assert len(meridians) == 13  # -180 .. 180
    assert len(parallels) == 5  # -60 .. 60
    for line in lines:
        for lon, lat in line["path"]:  # type: ignore[attr-defined]
            assert -180 <= lon <= 180
            assert -90 <= lat <= 90


def test_bubbles_grow_with_the_square_root_of_orders() -> None:
    assert bubble_radius_m(100, 100) == 600_000
    assert bubble_radius_m(25, 100) == 300_000
    assert bubble_radius_m(0, 100) == bubble_radius_m(5, 0) == 0


def test_deck_has_no_base_tiles_and_one_bubble_per_city() -> None:
    cities = pd.DataFrame(
        {
            "city": ["Paris", "São Paulo"],
            "lat": [48.9, -23.5],
            "lon": [2.35, -46.6],
            "orders": [40, 10],
            "revenue_usd": [800.0, 150.0],
        }
    )
    deck = json.loads(orders_deck(cities).to_json())
    assert not deck.get("mapStyle")
    layers = {layer["@@type"]: layer for layer in deck["layers"]}
    assert set(layers) == {"GeoJsonLayer", "PathLayer", "ScatterplotLayer", "TextLayer"}
    assert layers["TextLayer"]["characterSet"] == "auto"  # glyphs beyond ASCII are drawn, as a literal


def test_world_outline_ships_the_countries_of_the_world() -> None:
    outline = world_outline()
    names = {feature["properties"]["name"] for feature in outline["features"]}
    assert len(names) > 150
    assert {"France", "Japan", "Brazil", "India", "United States of America"} <= names
    for feature in outline["features"]:
        for polygon in feature["geometry"]["coordinates"]:
            for lon, lat in polygon[0]:
                assert -180 <= lon <= 180
                assert -90 <= lat <= 90
