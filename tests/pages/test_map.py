import pytest

from tests.pages.helpers import all_text, frames, open_part, plotly_specs, run_page, run_page_with_demo

pytestmark = pytest.mark.usefixtures("built_db")


def _choropleths(at):
    (spec,) = plotly_specs(at)
    return spec, [t for t in spec["data"] if t["type"] == "choropleth"]


def test_map_colours_every_authority_in_words_and_outlines_the_footprint():
    # 2022/23: England's real continuity of care ends there, so later authorities' values are not compared
    at = run_page("map", metric="continuity_of_care", period="2022/23")
    spec, traces = _choropleths(at)
    assert sum(len(t["locations"]) for t in traces) == 153
    words = {"Better", "Similar", "Worse", "Not compared", "No value", "Better (as published)"}
    assert {t["name"].rsplit(" (", 1)[0] for t in traces} <= words
    # Worcestershire's 51.70% has no interval: its publisher's verdict, a trace (and legend entry) of its own
    published = next(t for t in traces if t["name"].startswith("Better (as published)"))
    assert published["locations"] == ["E10000034"] and published["name"] == "Better (as published) (1)"
    names = [t["name"] for t in spec["data"]]
    assert "Joint CDP: Herefordshire and Worcestershire CDP" in names
    labels = next(t for t in spec["data"] if t["name"] == "Compare focus areas")["text"]
    assert labels == ["Buckinghamshire", "Oxfordshire", "Worcestershire"]
    assert spec["layout"]["geo"]["visible"] is False
    text = all_text(at)
    assert "Office for National Statistics" in text and "Crown copyright" in text
    assert "Map of England's 153 upper-tier local authorities coloured compared with England" in text
    assert "Herefordshire and Worcestershire CDP (joint CDP):" in text


def test_map_list_opens_a_scorecard_and_table_links_every_area():
    at = run_page_with_demo("map", metric="continuity_of_care")
    next(s for s in at.selectbox if s.key == "map_area").select("E10000025").run()
    assert not at.exception
    assert "[Open the scorecard of Oxfordshire](scorecard?area=E10000025)" in all_text(at)
    open_part(at, "table")
    table = frames(at)[0]
    assert len(table) == 153
    assert table.loc[table["Area"] == "Buckinghamshire", "Scorecard"].item() == "scorecard?area=E06000060"


def test_map_of_regions_and_quintiles():
    at = run_page_with_demo("map", metric="continuity_of_care", level="Regions")
    _, traces = _choropleths(at)
    assert sorted(c for t in traces for c in t["locations"])[0] == "E12000001"
    assert sum(len(t["locations"]) for t in traces) == 9
    at = run_page_with_demo("map", metric="numbers_in_treatment", period="2022/23")  # Worcestershire has no 2023/24
    _, traces = _choropleths(at)
    # (a fifth's demonstration areas are a trace of their own beside its real ones)
    fifths = [t["name"].rsplit(" (", 1)[0].removesuffix(" (demonstration)") for t in traces]
    assert list(dict.fromkeys(fifths)) == [f"{w} fifth" for w in ("Lowest", "Low", "Middle", "High", "Highest")]
    assert "coloured by fifth" in all_text(at)


def test_map_opens_on_the_latest_period_england_has():
    # England's real continuity of care ends in 2022/23; authorities' later (demonstration) values could not be
    # compared, so the map opens on 2022/23 rather than on an all-grey 2023/24.
    at = run_page_with_demo("map", metric="continuity_of_care")
    period = next(s for s in at.selectbox if s.key == "period")
    assert period.value == "2022/23" and "2023/24" in period.options
    _, traces = _choropleths(at)
    assert any(t["name"].startswith("Better (") for t in traces)


def test_demonstration_fills_are_told_apart_on_the_map_and_in_the_legend():
    # issue 27: with demonstration data switched on, 152 of 153 authorities were drawn in solid verdict colours
    at = run_page_with_demo("map", metric="continuity_of_care", period="2022/23")
    spec, traces = _choropleths(at)
    demo = [t for t in traces if "(demonstration)" in t["name"]]
    real = [t for t in traces if "(demonstration)" not in t["name"]]
    assert sum(len(t["locations"]) for t in demo) == 152
    assert {t["name"].rsplit(" (", 1)[0] for t in demo} <= {
        "Better (demonstration)",
        "Similar (demonstration)",
        "Worse (demonstration)",
        "Not compared (demonstration)",
    }
    assert all(t["marker"]["opacity"] < 1 and t["marker"]["line"]["color"] == "#8C8C8C" for t in demo)
    assert [t["locations"] for t in real] == [["E10000034"]]  # Worcestershire's published figure, solid
    assert all("opacity" not in t["marker"] for t in real)
    # a hollow grey circle on every demonstration area, named in the legend
    circles = next(t for t in spec["data"] if t["name"] == "Hollow circle: demonstration data (not real)")
    assert len(circles["lon"]) == 152 and circles["marker"]["symbol"] == "circle-open"
    text = all_text(at)
    assert "Better (demonstration) " in text and "Better (as published) 1: Worcestershire" in text
    open_part(at, "table")
    table = frames(at)[0]
    verdicts = table.set_index("Code")["Compared with England"]
    assert verdicts["E10000034"] == "Better (as published)" and verdicts["E06000060"].endswith("(demonstration)")


def test_the_map_image_says_it_holds_demonstration_data():
    from metrics.areas import default_geography
    from metrics.catalogue import default_catalogue
    from metrics.map_view import map_frame
    from metrics.presentation import map_chart_words
    from metrics.store import Store

    ind = default_catalogue().get("continuity_of_care")
    import os

    with Store(os.environ["CDOF_DB"], read_only=True) as store:
        rows = store.values_for_period("continuity_of_care", "2022/23", level="utla")
    frame = map_frame(rows, ind, "utla", default_geography(), "2022/23")
    assert map_chart_words(frame, ind, "2022/23", "authorities").title.endswith(", with demonstration data (not real)")
    real = frame[~frame["is_demo"]]
    assert "demonstration" not in map_chart_words(real, ind, "2022/23", "authorities").title


def test_by_default_the_map_shows_real_figures_only():
    at = run_page("map", metric="drug_misuse_deaths")
    _, traces = _choropleths(at)
    assert not [t["name"] for t in traces if "(demonstration)" in t["name"]]
    assert sum(len(t["locations"]) for t in traces) == 153  # every authority: a figure or "No value"
