import pytest

from tests.pages.helpers import all_text, frames, plotly_specs, run_page

pytestmark = pytest.mark.usefixtures("built_db")


def test_spine_charts_grouped_by_outcome_with_england_centre():
    at = run_page("profile")
    specs = plotly_specs(at)
    assert len(specs) >= 4  # one chart per outcome with local indicators
    titles = [s["layout"]["title"]["text"] for s in specs]
    assert any(t.startswith("Increase engagement in treatment") for t in titles)
    for s in specs:
        assert any(sh["x0"] == 0 and sh["x1"] == 0 for sh in s["layout"]["shapes"])  # England at the centre
        markers = [t for t in s["data"] if t["type"] == "scatter"]
        assert any(t["name"].startswith("Buckinghamshire: ") for t in markers)
        assert any(t["name"] == "South East" for t in markers)
        for t in markers:
            assert all(-1.0001 <= x <= 1.0001 for x in t["x"])
    table = frames(at)[0]
    ocu = table[table["Indicator"] == "OCU prevalence (15-64)"].iloc[0]
    assert ocu["Buckinghamshire"].endswith("per 1,000")
    assert ocu["Authorities"] == 153
    assert "Not in the profile" in all_text(at)


def test_profile_changes_with_area():
    at = run_page("profile")
    before = frames(at)[0]["Buckinghamshire"].tolist()
    at.selectbox[0].select("E10000034").run()
    table = frames(at)[0]
    assert "Worcestershire" in table.columns
    assert table["Worcestershire"].tolist() != before
    assert "Worcestershire — West Midlands" in all_text(at)
