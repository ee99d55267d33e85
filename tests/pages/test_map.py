import pytest

from tests.pages.helpers import all_text, frames, open_part, plotly_specs, run_page

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
    at = run_page("map", metric="continuity_of_care")
    next(s for s in at.selectbox if s.key == "map_area").select("E10000025").run()
    assert not at.exception
    assert "[Open the scorecard of Oxfordshire](scorecard?area=E10000025)" in all_text(at)
    open_part(at, "table")
    table = frames(at)[0]
    assert len(table) == 153
    assert table.loc[table["Area"] == "Buckinghamshire", "Scorecard"].item() == "scorecard?area=E06000060"


def test_map_of_regions_and_quintiles():
    at = run_page("map", metric="continuity_of_care", level="Regions")
    _, traces = _choropleths(at)
    assert sorted(c for t in traces for c in t["locations"])[0] == "E12000001"
    assert sum(len(t["locations"]) for t in traces) == 9
    at = run_page("map", metric="numbers_in_treatment", period="2022/23")  # Worcestershire has no 2023/24
    _, traces = _choropleths(at)
    assert [t["name"].rsplit(" (", 1)[0] for t in traces] == [
        f"{w} fifth" for w in ("Lowest", "Low", "Middle", "High", "Highest")
    ]
    assert "coloured by fifth" in all_text(at)


def test_map_opens_on_the_latest_period_england_has():
    # England's real continuity of care ends in 2022/23; authorities' later (demonstration) values could not be
    # compared, so the map opens on 2022/23 rather than on an all-grey 2023/24.
    at = run_page("map", metric="continuity_of_care")
    period = next(s for s in at.selectbox if s.key == "period")
    assert period.value == "2022/23" and "2023/24" in period.options
    _, traces = _choropleths(at)
    assert any(t["name"].startswith("Better (") for t in traces)
