"""England's boundaries for the map page: the bundled GeoJSON in data/boundaries/ (see SOURCE.md there), label points
and the outline of a joint CDP footprint. Pure Python over the files; nothing here reaches the network.

`python -m metrics.geo SOURCE_DIR` rebuilds the bundled files from the ONS files (coordinates rounded to 4 decimal
places, about 10 m, finer than the 20 m generalisation; repeated points dropped; retired codes mapped).
"""

from __future__ import annotations

import itertools
import json
import sys
from functools import lru_cache
from pathlib import Path

from metrics.paths import DATA_DIR

BOUNDARIES_DIR = DATA_DIR / "boundaries"
AUTHORITIES_FILE = "upper_tier_authorities.geojson"
REGIONS_FILE = "regions.geojson"
# Under every map drawn from these files (the Open Government Licence's and Ordnance Survey's terms).
ATTRIBUTION = (
    "Boundaries: Office for National Statistics, licensed under the Open Government Licence v3.0. "
    "Contains OS data © Crown copyright and database right 2023."
)
DECIMALS = 4


@lru_cache(maxsize=2)
def boundaries(level: str) -> dict:
    """The FeatureCollection of "utla" (the 153 upper-tier authorities) or "region" (the 9 regions); each feature's
    `id` is the area code and `properties` hold name, lon and lat (a point inside the area, for labels)."""
    name = {"utla": AUTHORITIES_FILE, "region": REGIONS_FILE}[level]
    return json.loads((BOUNDARIES_DIR / name).read_text(encoding="utf-8"))


def label_points(level: str) -> dict[str, tuple[float, float]]:
    """Area code -> (lon, lat) of a point inside the area."""
    return {f["id"]: (f["properties"]["lon"], f["properties"]["lat"]) for f in boundaries(level)["features"]}


def _rings(geometry: dict) -> list[list]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    return [ring for polygon in geometry["coordinates"] for ring in polygon]


@lru_cache(maxsize=32)
def outline(member_codes: tuple[str, ...]) -> tuple[list, list]:
    """The outer boundary of several authorities together, as (lons, lats) with None between pieces (Plotly's
    way of drawing separate lines in one trace). An edge two members share is drawn by neither: the authorities
    were generalised together, so a shared boundary has the same points on both sides."""
    features = {f["id"]: f for f in boundaries("utla")["features"]}
    edges: dict[tuple, int] = {}
    ordered: list[tuple] = []
    for code in member_codes:
        if code not in features:
            continue
        for ring in _rings(features[code]["geometry"]):
            for a, b in itertools.pairwise(ring):
                key = (tuple(a), tuple(b)) if tuple(a) <= tuple(b) else (tuple(b), tuple(a))
                if key not in edges:
                    ordered.append((tuple(a), tuple(b)))
                edges[key] = edges.get(key, 0) + 1
    kept = [(a, b) for a, b in ordered if edges[(a, b) if a <= b else (b, a)] == 1]
    # Chain the kept edges into lines so the trace has few breaks.
    lons: list = []
    lats: list = []
    last = None
    for a, b in kept:
        if a != last:
            if lons:
                lons.append(None)
                lats.append(None)
            lons.append(a[0])
            lats.append(a[1])
        lons.append(b[0])
        lats.append(b[1])
        last = b
    return lons, lats


# ----------------------------------------------------------------------------------------------------------------
# Preparing the bundled files from the ONS files (run once, by hand; see data/boundaries/SOURCE.md)
# ----------------------------------------------------------------------------------------------------------------


def _round_ring(ring: list) -> list:
    out: list[list[float]] = []
    for x, y in ring:
        point = [round(x, DECIMALS), round(y, DECIMALS)]
        if not out or point != out[-1]:
            out.append(point)
    if out[0] != out[-1]:
        out.append(out[0])
    return out


def _round_geometry(geometry: dict) -> dict:
    if geometry["type"] == "Polygon":
        rings = [_round_ring(r) for r in geometry["coordinates"]]
        return {"type": "Polygon", "coordinates": [r for r in rings if len(r) >= 4]}
    polygons = [[_round_ring(r) for r in p] for p in geometry["coordinates"]]
    polygons = [[r for r in p if len(r) >= 4] for p in polygons]
    return {"type": "MultiPolygon", "coordinates": [p for p in polygons if p]}


def prepare(source: dict, code_field: str, name_field: str, legacy_codes: dict[str, str]) -> dict:
    """A bundled FeatureCollection from an ONS one: id = current area code, properties name/lon/lat, coordinates
    rounded."""
    features = []
    for f in source["features"]:
        p = f["properties"]
        code = legacy_codes.get(p[code_field], p[code_field])
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {"name": p[name_field], "lon": p["LONG"], "lat": p["LAT"]},
                "geometry": _round_geometry(f["geometry"]),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def main(argv: list[str]) -> None:
    from metrics.areas import default_geography

    src = Path(argv[0])
    legacy = default_geography().legacy_codes
    for name, out, code, label in (
        ("counties_unitary_authorities_dec2023_england_bsc.geojson", AUTHORITIES_FILE, "CTYUA23CD", "CTYUA23NM"),
        ("regions_dec2023_england_buc.geojson", REGIONS_FILE, "RGN23CD", "RGN23NM"),
    ):
        data = prepare(json.loads((src / name).read_text(encoding="utf-8")), code, label, legacy)
        (BOUNDARIES_DIR / out).write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        print(f"{out}: {len(data['features'])} areas, {(BOUNDARIES_DIR / out).stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
