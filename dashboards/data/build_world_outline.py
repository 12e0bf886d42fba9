"""Regenerate world_countries.geojson, the map's offline country outlines (run by hand, not at runtime).

Source: Natural Earth 1:110m admin-0 countries (public domain), as shipped in the geopandas 0.14 wheel
(``geopandas/datasets/naturalearth_lowres``; later versions dropped the data). Coordinates are rounded
to 0.1 degree and repeated points dropped, which keeps the file small and is plenty at world zoom::

    uv pip install --target /tmp/ne --no-deps "geopandas==0.14.4" pyshp
    PYTHONPATH=/tmp/ne uv run python dashboards/data/build_world_outline.py /tmp/ne/geopandas/datasets
"""

from __future__ import annotations

import json
import sys
from itertools import pairwise
from pathlib import Path
from typing import Any

import shapefile  # pyshp

OUT = Path(__file__).with_name("world_countries.geojson")


def _ring(points: list[tuple[float, float]]) -> list[list[float]]:
    ring: list[list[float]] = []
    for lon, lat in points:
        point = [round(lon, 1), round(lat, 1)]
        if not ring or point != ring[-1]:
            ring.append(point)
    return ring if len(ring) >= 4 else []


def main(datasets: Path) -> None:
    reader = shapefile.Reader(str(datasets / "naturalearth_lowres" / "naturalearth_lowres.shp"))
    features: list[dict[str, Any]] = []
    for record in reader.shapeRecords():
        shape = record.shape
        starts = [*shape.parts, len(shape.points)]
        rings = [_ring(shape.points[a:b]) for a, b in pairwise(starts)]
        rings = [r for r in rings if r]
        if not rings:
            continue
        features.append(
            {
                "type": "Feature",
                "properties": {"name": record.record["name"], "iso_a3": record.record["iso_a3"]},
                "geometry": {"type": "MultiPolygon", "coordinates": [[ring] for ring in rings]},
            }
        )
    OUT.write_text(json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")))
    print(f"{len(features)} countries -> {OUT} ({OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
