"""England's boundaries for the map page: the bundled GeoJSON in static/boundaries/ (see SOURCE.md there), label
points and the outline of a joint CDP footprint. Pure Python over the files; nothing here reaches the network.

The files are the app's static files: the page's figure names them by URL (`served_url`), so the browser fetches
each once and keeps it, and a figure drawn without the app (a chart download) takes them inline (`inline`).

`python -m metrics.geo SOURCE_DIR` rebuilds the bundled files from the ONS files (coordinates rounded to 4 decimal
places, about 10 m; repeated points dropped; each border between junctions simplified once, so neighbours still
share it; retired codes mapped).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import sys
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from metrics.paths import REPO_ROOT

STATIC_DIR = REPO_ROOT / "static"
BOUNDARIES_DIR = STATIC_DIR / "boundaries"
# Where Streamlit serves static/ (`server.enableStaticServing`), relative to the page so that a base URL path holds.
SERVED_PREFIX = "app/static/"
AUTHORITIES_FILE = "upper_tier_authorities.geojson"
REGIONS_FILE = "regions.geojson"
# Under every map drawn from these files (the Open Government Licence's and Ordnance Survey's terms).
ATTRIBUTION = (
    "Boundaries: Office for National Statistics, licensed under the Open Government Licence v3.0. "
    "Contains OS data © Crown copyright and database right 2023."
)
DECIMALS = 4
# The most a simplified border may stray from the ONS line, in degrees of the map's Mercator projection: under a
# pixel wherever England is drawn, on the page at its largest and in the downloaded PNG.
TOLERANCE = 0.005


def _file(level: str) -> Path:
    return BOUNDARIES_DIR / {"utla": AUTHORITIES_FILE, "region": REGIONS_FILE}[level]


@lru_cache(maxsize=2)
def boundaries(level: str) -> dict:
    """The FeatureCollection of "utla" (the 153 upper-tier authorities) or "region" (the 9 regions); each feature's
    `id` is the area code and `properties` hold name, lon and lat (a point inside the area, for labels)."""
    return json.loads(_file(level).read_text(encoding="utf-8"))


@lru_cache(maxsize=2)
def served_url(level: str) -> str:
    """The URL of the level's file as the app serves it, with a digest of its content in the query: the browser may
    keep a file it has fetched, and a changed file is then a new URL."""
    path = _file(level)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return f"{SERVED_PREFIX}{path.relative_to(STATIC_DIR).as_posix()}?v={digest}"


def served_url_of_trace(level: str, trace: int) -> str:
    """The level's served URL for the figure's `trace`-th trace: plotly.js makes every trace after the first that
    names the same URL wait for the first one's fetch for at most 5 seconds, and then draws nothing, so each trace
    names its own (the browser fetches each once a session)."""
    return f"{served_url(level)}&trace={trace}"


def inline(url: str, codes: Iterable[str]) -> dict:
    """The FeatureCollection of the areas `codes` (in that order) from the boundaries file served at `url`
    (served_url, whatever its digest): for a figure drawn where the app does not serve the file."""
    path = url.split("?", 1)[0]
    level = next((lv for lv in ("utla", "region") if served_url(lv).split("?", 1)[0] == path), None)
    if level is None:
        raise ValueError(f"{url!r} is not a boundaries file the app serves")
    features = {f["id"]: f for f in boundaries(level)["features"]}
    return {"type": "FeatureCollection", "features": [features[c] for c in codes if c in features]}


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
# Preparing the bundled files from the ONS files (run once, by hand; see static/boundaries/SOURCE.md)
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


def _mercator(point: tuple[float, float]) -> tuple[float, float]:
    lon, lat = point
    return lon, math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


def _douglas_peucker(line: tuple[tuple[float, float], ...], tolerance: float) -> list[tuple[float, float]]:
    """The points of a line kept by Douglas-Peucker in the map's projection: its ends, the point farthest from the
    chord between them (always, so that no ring made of such lines collapses), and every point further than
    `tolerance` from the line kept so far."""
    if len(line) <= 2:
        return list(line)
    xy = [_mercator(p) for p in line]
    keep = {0, len(line) - 1}
    spans = [(0, len(line) - 1)]
    first = True
    while spans:
        a, b = spans.pop()
        if b - a < 2:
            continue
        (ax, ay), (bx, by) = xy[a], xy[b]
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy)
        far, farthest = a, -1.0
        for i in range(a + 1, b):
            px, py = xy[i]
            d = abs(dy * (px - ax) - dx * (py - ay)) / length if length else math.hypot(px - ax, py - ay)
            if d > farthest:
                far, farthest = i, d
        if farthest > tolerance or first:
            keep.add(far)
            spans += [(a, far), (far, b)]
        first = False
    return [line[i] for i in sorted(keep)]


def simplify(collection: dict, tolerance: float = TOLERANCE) -> dict:
    """The FeatureCollection with fewer points and the same topology: every ring is cut into borders at its
    junctions (points where three or more edges meet), and each border is simplified once (_douglas_peucker), in one
    direction, whichever ring it belongs to; so two neighbours still share the same points along their border (no
    gaps, no overlaps; outline() relies on it) and every ring keeps at least three corners (no island or sliver is
    lost). A ring with no junction (an island) is one closed border from its smallest point."""
    rings = [ring for f in collection["features"] for ring in _rings(f["geometry"])]
    neighbours: dict[tuple, set] = {}
    for ring in rings:
        for a, b in itertools.pairwise(ring):
            neighbours.setdefault(tuple(a), set()).add(tuple(b))
            neighbours.setdefault(tuple(b), set()).add(tuple(a))
    junctions = {p for p, near in neighbours.items() if len(near) != 2}
    done: dict[tuple, list] = {}

    def border(points: list[tuple]) -> list[tuple]:
        if len(points) > 3 and points[0] == points[-1]:
            # a closed border (an island's coast, a loop from one junction): two, cut at its point farthest from its
            # ends, so that either direction cuts it alike
            ends = _mercator(points[0])
            far = max(range(1, len(points) - 1), key=lambda i: math.dist(ends, _mercator(points[i])))
            return border(points[: far + 1]) + border(points[far:])[1:]
        line, backwards = tuple(points), tuple(reversed(points))
        key = min(line, backwards)
        if key not in done:
            done[key] = _douglas_peucker(key, tolerance)
        return done[key] if key == line else done[key][::-1]

    def simplified_ring(ring: list) -> list:
        points = [tuple(p) for p in ring[:-1]]
        cuts = [i for i, p in enumerate(points) if p in junctions]
        if not cuts:  # an island: cut where any ring drawing the same line would
            cuts = [min(range(len(points)), key=points.__getitem__)]
        points = points[cuts[0] :] + points[: cuts[0]]
        cuts = [c - cuts[0] for c in cuts] + [len(points)]
        points.append(points[0])
        out = [points[0]]
        for a, b in itertools.pairwise(cuts):
            out += border(points[a : b + 1])[1:]
        return [list(p) for p in out]

    def simplified(geometry: dict) -> dict:
        if geometry["type"] == "Polygon":
            return {"type": "Polygon", "coordinates": [simplified_ring(r) for r in geometry["coordinates"]]}
        return {
            "type": "MultiPolygon",
            "coordinates": [[simplified_ring(r) for r in polygon] for polygon in geometry["coordinates"]],
        }

    return {
        **collection,
        "features": [{**f, "geometry": simplified(f["geometry"])} for f in collection["features"]],
    }


def prepare(source: dict, code_field: str, name_field: str, legacy_codes: dict[str, str]) -> dict:
    """A bundled FeatureCollection from an ONS one: id = current area code, properties name/lon/lat, coordinates
    rounded, then simplified."""
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
    return simplify({"type": "FeatureCollection", "features": features})


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
