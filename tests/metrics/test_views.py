"""The map, inequalities, compare-indicators and area-group logic (issue 18), on the bundled boundaries and a real
built database."""

from __future__ import annotations

import itertools
import json
import shutil

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from metrics import area_groups, geo, indicator_pairs, map_view, stats
from metrics import inequalities as ineq
from metrics import presentation as pr
from metrics.areas import ENGLAND_CODE, default_geography
from metrics.catalogue import default_catalogue
from metrics.paths import REPO_ROOT
from metrics.store import Store


@pytest.fixture(scope="module")
def cat():
    return default_catalogue()


@pytest.fixture(scope="module")
def areas():
    return default_geography()


@pytest.fixture(scope="module")
def store(built_db):
    with Store(built_db, read_only=True) as s:
        yield s


# ------------------------------------------------------------------------------------------------ boundaries
def test_bundled_boundaries_cover_every_area_and_stay_small(areas):
    utla = {f["id"] for f in geo.boundaries("utla")["features"]}
    assert utla == {a.code for a in areas.utlas()} and len(utla) == 153
    assert {f["id"] for f in geo.boundaries("region")["features"]} == {a.code for a in areas.regions()}
    files = [geo.BOUNDARIES_DIR / geo.AUTHORITIES_FILE, geo.BOUNDARIES_DIR / geo.REGIONS_FILE]
    assert sum(f.stat().st_size for f in files) < 1_500_000
    assert "Open Government Licence" in (geo.BOUNDARIES_DIR / "SOURCE.md").read_text()


def _edges(code):
    feature = next(f for f in geo.boundaries("utla")["features"] if f["id"] == code)
    return {
        tuple(sorted((tuple(a), tuple(b))))
        for ring in geo._rings(feature["geometry"])
        for a, b in itertools.pairwise(ring)
    }


def test_footprint_outline_leaves_out_the_members_shared_border():
    lons, lats = geo.outline(("E06000019", "E10000034"))
    drawn = set()
    for i in range(len(lons) - 1):
        if lons[i] is not None and lons[i + 1] is not None:
            drawn.add(tuple(sorted(((lons[i], lats[i]), (lons[i + 1], lats[i + 1])))))
    hereford, worcs = _edges("E06000019"), _edges("E10000034")
    shared = hereford & worcs
    assert len(shared) > 20  # they share a border
    assert drawn == (hereford | worcs) - shared


def _square_pair(wiggles: int) -> dict:
    """Two squares side by side whose shared border zigzags by 0.0001 degrees, and a small island off the
    right one; the left square's ring runs the other way round."""
    border = [[1.0 + (0.0001 if i % 2 else 0), i / wiggles] for i in range(wiggles + 1)]
    left = [[0.0, 0.0], [0.0, 1.0], *reversed(border), [0.0, 0.0]]
    right = [[1.0, 0.0], [2.0, 0.0], [2.0, 1.0], *reversed(border)]
    island = [[2.1, 0.5], [2.1003, 0.5], [2.1003, 0.5003], [2.1, 0.5003], [2.1, 0.5]]
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": "L", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [left]}},
            {
                "type": "Feature",
                "id": "R",
                "properties": {},
                "geometry": {"type": "MultiPolygon", "coordinates": [[right], [island]]},
            },
        ],
    }


def _signed_area(ring) -> float:
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring)) / 2


def test_simplified_neighbours_keep_one_shared_border_and_islands_keep_their_corners():
    collection = _square_pair(40)
    out = geo.simplify(collection, tolerance=0.001)
    (left,), ((right,), (island,)) = (f["geometry"]["coordinates"] for f in out["features"])
    # the zigzag (0.0001 degrees) is within the tolerance: the shared border is a few points, the same on both sides
    shared = {tuple(p) for p in left} & {tuple(p) for p in right}
    assert len(shared) < 10 and {(1.0, 0.0), (1.0, 1.0)} <= shared
    near_border = [{tuple(p) for p in ring if abs(p[0] - 1.0) < 0.01} for ring in (left, right)]
    assert near_border == [shared, shared]
    # each ring runs the way it ran (plotly reads a polygon's inside from it) and stays closed
    for before, after in zip(
        [r for f in collection["features"] for r in geo._rings(f["geometry"])],
        [r for f in out["features"] for r in geo._rings(f["geometry"])],
    ):
        assert after[0] == after[-1] and (_signed_area(before) > 0) == (_signed_area(after) > 0)
    # an island smaller than the tolerance is kept, with three corners at least
    assert len({tuple(p) for p in island}) >= 3
    # with no tolerance every corner stays
    (kept,) = geo.simplify(collection, tolerance=0)["features"][0]["geometry"]["coordinates"]
    assert {tuple(p) for p in kept} == {tuple(p) for p in collection["features"][0]["geometry"]["coordinates"][0]}


def test_bundled_boundaries_are_simplified_with_every_ring_whole():
    for level in ("utla", "region"):
        collection = geo.boundaries(level)
        assert geo.simplify(collection) == collection  # the files are what the build's pipeline writes
        rings = [r for f in collection["features"] for r in geo._rings(f["geometry"])]
        assert all(r[0] == r[-1] and len({tuple(p) for p in r}) >= 3 for r in rings)


def test_empty_base_map_is_served_locally():
    topo = json.loads((REPO_ROOT / "static" / "world_110m.json").read_text())
    assert topo["type"] == "Topology" and topo["arcs"] == []
    assert map_view.PLOTLY_CONFIG["topojsonURL"] == "app/static/"
    assert "enableStaticServing = true" in (REPO_ROOT / ".streamlit" / "config.toml").read_text()


def test_the_boundaries_are_the_files_the_app_serves():
    for level in ("utla", "region"):
        path, digest = geo.served_url(level).split("?v=")
        assert path.startswith("app/static/boundaries/") and len(digest) == 12
        served = REPO_ROOT / "static" / path.removeprefix("app/static/")
        assert json.loads(served.read_text(encoding="utf-8")) == geo.boundaries(level)


def test_a_changed_boundaries_file_is_served_at_a_new_url(tmp_path, monkeypatch):
    """The browser may keep the file it fetched: a changed file must not be read from its copy."""
    folder = tmp_path / "static" / "boundaries"
    folder.mkdir(parents=True)
    shutil.copy(geo.BOUNDARIES_DIR / geo.REGIONS_FILE, folder / geo.REGIONS_FILE)
    monkeypatch.setattr(geo, "STATIC_DIR", tmp_path / "static")
    monkeypatch.setattr(geo, "BOUNDARIES_DIR", folder)
    geo.served_url.cache_clear()
    try:
        before = geo.served_url("region")
        (folder / geo.REGIONS_FILE).write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
        geo.served_url.cache_clear()
        after = geo.served_url("region")
    finally:
        geo.served_url.cache_clear()
    assert before.split("?")[0] == after.split("?")[0] == "app/static/boundaries/regions.geojson"
    assert before != after


def test_inline_boundaries_are_the_served_areas_asked_for_in_order():
    url = geo.served_url("utla")
    collection = geo.inline(url, ["E10000034", "E06000060", "not-an-area"])
    assert [f["id"] for f in collection["features"]] == ["E10000034", "E06000060"]
    assert collection["features"][0] == next(f for f in geo.boundaries("utla")["features"] if f["id"] == "E10000034")
    assert [f["id"] for f in geo.inline(geo.served_url("region"), ["E12000002"])["features"]] == ["E12000002"]
    with pytest.raises(ValueError, match="not a boundaries file"):
        geo.inline("app/static/world_110m.json", ["E10000034"])


# ------------------------------------------------------------------------------------------------------- map
def test_map_frame_has_every_authority_coloured_by_the_stored_comparison(store, cat, areas):
    ind = cat.get("continuity_of_care")
    rows = store.values_for_period("continuity_of_care", "2023/24", level="utla")
    frame = map_view.map_frame(rows.iloc[5:], ind, "utla", areas, "2023/24")  # five authorities without a row
    assert len(frame) == 153
    stored = rows.set_index("area_code")["compared_to_england"]
    have = frame[frame["area_code"].isin(rows["area_code"].iloc[5:])]
    assert (have["category"].to_numpy() == stored[have["area_code"]].to_numpy()).all()
    # the five left out and any authority the built database has no 2023/24 value for
    without = 153 - len(rows) + 5
    assert (frame.loc[~frame["area_code"].isin(rows["area_code"].iloc[5:]), "category"] == "No value").sum() == without
    assert without >= 5
    assert set(frame["category"]) <= set(map_view.COMPARISON_WORDS)


def test_map_uses_quintiles_without_a_judgement(store, cat, areas):
    ind = cat.get("numbers_in_treatment")  # a count: not compared with England's count
    period = store.periods_for_metric(ind.key)["period"].iloc[0]
    rows = store.values_for_period(ind.key, period, level="utla")
    frame = map_view.map_frame(rows, ind, "utla", areas, period)
    assert map_view.map_mode(ind) == map_view.QUINTILE_MODE
    # the demonstration data leave Worcestershire without this period: it is "No value", the rest in fifths
    counts = frame["category"].value_counts()
    assert counts.get("No value", 0) == 153 - len(rows)
    fifths = counts.drop("No value", errors="ignore")
    assert set(fifths.index) == set(map_view.QUINTILE_WORDS_NO_POLARITY[:5])
    assert fifths.min() >= len(rows) // 5 and fifths.max() <= -(-len(rows) // 5)
    lowest = frame[frame["category"] == "Lowest"]["value"].max()
    assert lowest < frame[frame["category"] == "Low"]["value"].min()


def test_map_figure_draws_offline_with_words_in_the_legend(store, cat, areas):
    ind = cat.get("continuity_of_care")
    frame = map_view.map_frame(store.values_for_period(ind.key, "2023/24", level="utla"), ind, "utla", areas, "2023/24")
    fp = areas.get("CDP0001")
    fig = map_view.map_figure(
        frame, ind, "utla", "t", [(fp.name, "words", fp.members, fp.code)], [("E10000034", "Worcestershire")]
    ).to_plotly_json()
    choropleths = [t for t in fig["data"] if t["type"] == "choropleth"]
    assert sum(len(t["locations"]) for t in choropleths) == 153
    # the shapes by the URL the app serves them at, not in the figure sent on every run
    # each trace its own URL of the file, so that none waits on another's fetch (plotly.js gives up after 5 s)
    assert [t["geojson"] for t in choropleths] == [geo.served_url_of_trace("utla", n) for n in range(len(choropleths))]
    for t in choropleths:
        word = t["name"].rsplit(" (", 1)[0].removesuffix(pr.DEMO_LEGEND)  # a demonstration area: its word's colour
        assert t["name"].endswith(f"({len(t['locations'])})")
        assert t["colorscale"][0][1] == map_view.MAP_COLOURS[word]
    assert fig["layout"]["geo"]["visible"] is False and fig["layout"]["geo"]["fitbounds"] == "locations"
    assert not any(t["type"].endswith(("mapbox", "map")) for t in fig["data"])
    names = [t["name"] for t in fig["data"]]
    assert "Joint CDP: Herefordshire and Worcestershire CDP" in names and "Compare focus areas" in names
    words = map_view.summary_words(frame, ind, "utla", "2023/24")
    assert words.startswith("Map of England's 153 upper-tier local authorities")


def test_comparison_labels_meet_wcag_contrast():
    def luminance(colour):
        rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    def ratio(a, b):
        hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
        return (hi + 0.05) / (lo + 0.05)

    for word, colour in pr.COMPARISON_COLOURS.items():
        assert ratio(colour, pr.COMPARISON_TEXT[word]) >= 4.5, word
    assert ratio(pr.GOAL_COLOURS["Red"], "#FFFFFF") >= 4.5


# ------------------------------------------------------------------------------------------------ inequalities
@pytest.mark.parametrize(
    "label, dimension",
    [
        ("Male", ineq.SEX),
        ("Female", ineq.SEX),
        ("Total", None),
        ("Persons", None),
        ("Age 18-24", ineq.AGE),
        ("65+ yrs", ineq.AGE),
        ("Age 50+", ineq.AGE),
        ("Most deprived quintile", ineq.DEPRIVATION),
        ("Deprivation: Most deprived decile (IMD2019)", ineq.DEPRIVATION),
        ("IMD quintile 3", ineq.DEPRIVATION),
        ("Ethnic groups: White", ineq.OTHER),
    ],
)
def test_breakdown_dimensions(label, dimension):
    assert ineq.dimension_of(label) == dimension


def test_breakdown_order_within_dimensions():
    fingertips = [
        "Deprivation: Least deprived decile (IMD2019)",
        "Deprivation: Second most deprived decile (IMD2019)",
        "Deprivation: Most deprived decile (IMD2019)",
        "Deprivation: Second least deprived decile (IMD2019)",
    ]
    grouped = ineq.breakdowns_by_dimension(["Female", "Age 50+", "Total", "Male", "Age 18-29", *fingertips])
    assert list(grouped) == [ineq.SEX, ineq.AGE, ineq.DEPRIVATION]
    assert grouped[ineq.SEX] == ["Male", "Female"]
    assert grouped[ineq.AGE] == ["Age 18-29", "Age 50+"]
    assert [ineq._plain(x) for x in grouped[ineq.DEPRIVATION]] == [
        "Most deprived decile (IMD2019)",
        "Second most deprived decile (IMD2019)",
        "Second least deprived decile (IMD2019)",
        "Least deprived decile (IMD2019)",
    ]


def test_groups_compared_with_the_area_overall_and_england_same_group(cat):
    ind = cat.get("continuity_of_care")  # higher is better
    base = dict(metric_key=ind.key, period="2023/24", value_note=None, count=np.nan, source="s", is_demo=False)
    rows = pd.DataFrame(
        [
            dict(
                base,
                area_code="A",
                breakdown="Total",
                value=40.0,
                lower95=38.0,
                upper95=42.0,
                compared_to_england="Worse",
            ),
            dict(
                base,
                area_code="A",
                breakdown="Male",
                value=50.0,
                lower95=45.0,
                upper95=55.0,
                compared_to_england="Similar",
            ),
            dict(
                base,
                area_code="A",
                breakdown="Female",
                value=41.0,
                lower95=35.0,
                upper95=47.0,
                compared_to_england="Worse",
            ),
            dict(
                base,
                area_code=ENGLAND_CODE,
                breakdown="Male",
                value=52.0,
                lower95=51.0,
                upper95=53.0,
                compared_to_england="Not compared",
            ),
        ]
    )
    groups = ineq.group_frame(rows, ind, "A", "2023/24", ["Male", "Female"]).set_index("Group")
    assert groups.loc["Male", "vs_overall"] == "Better"  # 40 below the interval 45-55
    assert groups.loc["Female", "vs_overall"] == "Similar"  # 40 inside 35-47
    assert groups.loc["Male", "england_group"] == 52.0 and np.isnan(groups.loc["Female", "england_group"])
    assert groups.loc["Male", "vs_england"] == "Similar"
    table = ineq.group_table(groups.reset_index(), ind, "Area A")
    assert table["Compared with Area A overall"].tolist() == ["Better", "Similar"]
    assert table["95% CI"].tolist() == ["45.0% to 55.0%", "35.0% to 47.0%"]


def test_inequalities_mark_demonstration_values_in_table_and_charts(cat):
    ind = cat.get("continuity_of_care")
    base = dict(metric_key=ind.key, value_note=None, count=np.nan, source="s", compared_to_england="Similar")
    rows = pd.DataFrame(
        [
            dict(
                base,
                area_code="A",
                breakdown=b,
                period=p,
                period_kind="financial_year",
                period_sortable=y,
                value=v,
                lower95=v - 3,
                upper95=v + 3,
                is_demo=demo,
            )
            for p, y in (("2022/23", 2022), ("2023/24", 2023))
            for b, v, demo in (("Total", 40.0, False), ("Male", 50.0, False), ("Female", 41.0, True))
        ]
        + [
            dict(
                base,
                area_code=ENGLAND_CODE,
                breakdown="Female",
                period="2023/24",
                period_kind="financial_year",
                period_sortable=2023,
                value=45.0,
                lower95=44.0,
                upper95=46.0,
                is_demo=True,
            )
        ]
    )
    groups = ineq.group_frame(rows, ind, "A", "2023/24", ["Male", "Female"])
    table = ineq.group_table(groups, ind, "Area A").set_index("Group")
    assert table.loc["Female", "Value"] == "Demo · 41.0%" and table.loc["Male", "Value"] == "50.0%"
    assert table.loc["Female", "England (same group)"] == "Demo · 45.0%"
    fig = ineq.groups_figure(groups, ind, "Area A", "sex", "2023/24").to_plotly_json()
    female = next(t for t in fig["data"] if "Female" in t["y"])
    assert female["name"].endswith(" (demonstration)") and female["marker"]["symbol"] == "circle-open"
    assert "(demonstration)" in female["hovertemplate"]
    male = next(t for t in fig["data"] if "Male" in t["y"])
    assert "(demonstration)" not in male["name"] and male["marker"].get("symbol") is None
    over, _ = ineq.over_time_figure(rows, ind, "A", "Area A", ["Male", "Female"], "sex", "financial_year")
    lines = {t.name: t for t in over.data}
    assert set(lines) == {"Area A overall", "Male", "Female (demonstration)"}
    assert all(s.endswith("-open") for s in lines["Female (demonstration)"].marker.symbol)
    assert not any(s.endswith("-open") for s in lines["Male"].marker.symbol)
    assert list(lines["Female (demonstration)"].customdata) == [" (demonstration)"] * 2
    # the overall line is real: filled markers, never the hollow grey that means demonstration
    assert list(lines["Area A overall"].marker.symbol) == ["circle", "circle"]


# ---------------------------------------------------------------------------------------- compare indicators
def test_correlation_matches_scipy_and_needs_five_points():
    rng = np.random.default_rng(7)
    x = rng.normal(50, 10, 40)
    y = 0.5 * x + rng.normal(0, 5, 40)

    def rows(v):
        return pd.DataFrame(
            {
                "area_code": [f"E{i:08d}" for i in range(40)],
                "area_name": [f"Area {i}" for i in range(40)],
                "value": v,
                "lower95": v - 1,
                "upper95": v + 1,
                "value_note": None,
                "is_demo": False,
                "source": "s",
            }
        )

    pairs = indicator_pairs.pair_frame(rows(x), rows(y))
    result = indicator_pairs.correlation(pairs)
    assert result.n == 40
    assert result.pearson == pytest.approx(np.corrcoef(x, y)[0, 1])
    assert result.spearman == pytest.approx(sps.spearmanr(x, y).statistic)
    assert "Across 40 authorities with published values for both (2023/24)" in result.words("2023/24", "2023/24")
    few = indicator_pairs.correlation(pairs.head(4))
    assert few.n == 4 and "Too few" in few.words("a", "b")


# ---------------------------------------------------------------------------------------------- area groups
def test_a_group_of_the_footprints_members_is_derived_exactly_as_the_footprint(store, cat, areas):
    members = list(areas.get("CDP0001").members)
    group = area_groups.derive_group(
        store.observations_for_areas(members + [ENGLAND_CODE]), cat, areas, members, "Our group"
    )
    stored = pd.concat([store.series(i.key, ["CDP0001"]) for i in cat.ordered()], ignore_index=True)
    cols = [
        "value",
        "lower95",
        "upper95",
        "count",
        "denominator",
        "compared_to_england",
        "recent_trend",
        "aggregation_note",
    ]
    key = ["metric_key", "period"]
    ours = group[group["breakdown"] == "Total"].astype({"metric_key": str, "period": str}).sort_values(key)
    theirs = stored.astype({"metric_key": str, "period": str}).sort_values(key)
    assert len(ours) == len(theirs) > 100
    pd.testing.assert_frame_equal(
        ours[key + cols].reset_index(drop=True).astype(object),
        theirs[key + cols].reset_index(drop=True).astype(object),
        check_dtype=False,
    )
    assert set(group["area_name"]) == {"Our group"}


def test_group_errors_and_members(areas):
    with pytest.raises(area_groups.GroupError, match="at least 2"):
        area_groups.group_geography(areas, ["E10000034"], "x")
    with pytest.raises(area_groups.GroupError, match="E12000002"):
        area_groups.group_geography(areas, ["E10000034", "E12000002"], "x")
    south_east = area_groups.members_of(areas, "E12000008")
    assert len(south_east) == 19 and "E10000025" in south_east
    assert area_groups.members_of(areas, "CDP0001") == ["E06000019", "E10000034"]


def test_group_in_period_names_the_group():
    rows = pd.DataFrame(
        {
            "metric_key": ["m", "m"],
            "period": ["p", "q"],
            "breakdown": ["Total", "Total"],
            "area_name": ["G", "G"],
            "value": [1.0, 2.0],
        }
    )
    one = area_groups.group_in_period(rows, "m", "q")
    assert one["area_name"].tolist() == ["G (your group)"] and one["value"].tolist() == [2.0]
    assert area_groups.group_in_period(rows, "m", "z") is None and area_groups.group_in_period(None, "m", "p") is None
    assert stats.NOT_COMPARED == "Not compared"


# ------------------------------------------------------------------------------------------- scorecard summary
def test_scorecard_summary_fits_and_escapes():
    from metrics import scorecard_view

    rows = pd.DataFrame(
        [
            {
                "Indicator": "OCU <prevalence>",
                "Period": "2023/24",
                "Value": "5.4 per 1,000",
                "Compared with England": "Worse",
                "Recent trend": "↑ worse",
                "Target": "Misses target (National target 75% by end of 2023)",
            },
            {
                "Indicator": "Drug use",
                "Period": "2022",
                "Value": "Not published locally",
                "Compared with England": "Not compared",
                "Recent trend": "",
                "Target": "",
            },
        ]
    )
    out = scorecard_view.summary_html(rows, "Compared with England", "Reduce drug use: A & B")
    assert "OCU &lt;prevalence&gt;" in out and "<prevalence>" not in out and "A &amp; B" in out
    assert "▼ Worse" in out and "○ Not compared" in out  # the symbols the How-to-read text promises
    assert f"background:{pr.COMPARISON_COLOURS['Worse']};color:#FFFFFF" in out
    assert 'Misses target</span><span class="cdof-sub">National target 75% by end of 2023' in out
    # On a phone only indicator, value (its period beneath) and verdict: the rest is marked to hide.
    assert out.count("class='cdof-wide'") == 3 + 3 * 2
    assert "@media (max-width: 700px)" in scorecard_view.STYLE


def test_scorecard_summary_wraps_a_reason_and_keeps_a_value_on_one_line():
    from metrics import scorecard_view

    reason = (
        "Not aggregated: a directly standardised rate cannot be aggregated without the members' age-specific "
        "counts and populations"
    )
    rows = pd.DataFrame(
        [
            {"Indicator": "A", "Period": "2023/24", "Value": "144.4 per 10,000", "Compared with England": "Better"},
            {"Indicator": "B", "Period": "2022 - 24", "Value": reason, "Compared with England": "Not compared"},
        ]
    )
    out = scorecard_view.summary_html(rows, "Compared with England", "Deaths: a CDP")
    assert "<td class='cdof-value'>144.4 per 10,000" in out
    assert f"<td class='cdof-reason'>{reason.replace(chr(39), '&#x27;')}" in out  # in full, wrapping
    assert "td.cdof-reason { white-space: normal" in scorecard_view.STYLE


def test_scorecard_summary_marks_a_demonstration_value_in_its_cell():
    from metrics import scorecard_view

    rows = pd.DataFrame(
        [
            {"Indicator": "A", "Period": "2023/24", "Value": "5.4 per 1,000", "Data": "Demo", "Compared": "Better"},
            {"Indicator": "B", "Period": "2022/23", "Value": "51.7%", "Data": "Published", "Compared": "Similar"},
        ]
    )
    out = scorecard_view.summary_html(rows, "Compared", "Outcome: area")
    assert "<span class='cdof-demo'>Demo</span> · 5.4 per 1,000" in out
    assert out.count("cdof-demo'>") == 1  # the published value carries no mark


# ------------------------------------------------------------------------------------------------ issue 27
def test_period_words_are_one_style():
    from metrics.presentation import period_words

    assert [period_words(p) for p in ("2022 - 24", "2020/21 - 22/23", "Jul 2021 - Jun 2022")] == [
        "2022-24",
        "2020/21-22/23",
        "Jul 2021 to Jun 2022",
    ]
    assert [period_words(p) for p in ("2023/24", "2022/23 Q3", "2020", None)] == ["2023/24", "2022/23 Q3", "2020", ""]


def test_long_chart_titles_break_between_words():
    from metrics.presentation.figures import TITLE_CHARACTERS, wrapped

    title = "Continuity of care (prison release) (%), 2022/23: areas compared with England"
    lines = wrapped(title).split("<br>")
    assert len(lines) == 2 and all(len(line) <= TITLE_CHARACTERS for line in lines)
    assert " ".join(lines) == title
    assert wrapped("Short title") == "Short title"


def test_focus_area_labels_fan_out():
    from metrics.map_view import label_positions

    # Worcestershire (north-west), Oxfordshire, Buckinghamshire (east), as lon, lat
    assert label_positions([(-2.2, 52.2), (-1.3, 51.8), (-0.8, 51.8)]) == ["top left", "bottom left", "bottom right"]
    assert label_positions([(-1.3, 51.8)]) == ["middle right"]


def test_the_correlation_leaves_demonstration_points_out():
    import numpy as np

    from metrics.indicator_pairs import correlation

    rng = np.random.default_rng(1)
    x = rng.normal(size=40)
    pairs = pd.DataFrame({"x_value": x, "y_value": x + rng.normal(scale=0.1, size=40), "is_demo": [False] * 40})
    demo = pd.DataFrame({"x_value": rng.normal(size=100), "y_value": rng.normal(size=100), "is_demo": [True] * 100})
    both = correlation(pd.concat([pairs, demo], ignore_index=True))
    real = correlation(pairs)
    assert both.n == 40 and both.n_demo == 100 and both.pearson == real.pearson
    assert "The other 100 authorities' points are demonstration data" in both.words("2022/23", "2022/23")
    only_demo = correlation(demo)
    assert only_demo.n == 0 and np.isnan(only_demo.pearson)
    assert "r = " not in only_demo.words("2022/23", "2022/23")


def test_demo_cells_count_the_marked_cells_of_a_table():
    from metrics.presentation import demo_cells

    table = pd.DataFrame({"A": ["Demo · 1.0% · Better", "2.0% · Worse", "No data"], "B": ["", "Demo · 3%", "x"]})
    assert demo_cells(table, ["A", "B"]) == (2, 4)
