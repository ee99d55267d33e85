import pytest

from tests.pages.helpers import all_text, frames, plotly_specs, run_page, run_page_with_demo

pytestmark = pytest.mark.usefixtures("built_db")


def _open_numbers(at):
    """The table behind the chart is drawn only when its expander is opened, as a click would."""
    at.session_state["numbers"] = True
    at.run()
    assert not at.exception
    return frames(at)[0]


def test_spine_chart_grouped_by_outcome_with_england_centre():
    at = run_page_with_demo("profile")
    (spec,) = plotly_specs(at)  # one chart, every outcome under its heading
    order = spec["layout"]["yaxis"]["categoryarray"][::-1]  # top to bottom
    headings = [c for c in order if "<b>" in c]
    assert len(headings) >= 4
    assert any("Increase engagement in treatment" in h for h in headings)
    # Each heading is followed by its own indicators, headline first under "Reduce drug use".
    first = order.index(next(h for h in headings if "Reduce drug use" in h))
    assert order[first + 1].startswith("OCU prevalence (15-64)")
    assert any(sh["x0"] == 0 and sh["x1"] == 0 for sh in spec["layout"]["shapes"])  # England at the centre
    markers = [t for t in spec["data"] if t["type"] == "scatter" and t.get("name") != "Outcome"]
    assert any(t["name"].startswith("Buckinghamshire: ") for t in markers)
    assert any(t["name"] == "South East" for t in markers)
    for t in markers:
        assert all(-1.0001 <= x <= 1.0001 for x in t["x"])
        assert not any("<b>" in y for y in t["y"])  # no values on heading rows
    text = all_text(at)
    assert "Not in the profile" in text
    # the chart in words (its figures are escaped plain text, issue 19)
    assert "Reduce drug use:" in text and "OCU prevalence (15-64) " in text.replace("\\", "")
    table = _open_numbers(at)
    ocu = table[table["Indicator"] == "OCU prevalence (15-64)"].iloc[0]
    assert ocu["Buckinghamshire"].endswith("per 1,000")
    assert ocu["Authorities"] == 153


def test_profile_changes_with_area():
    at = run_page("profile")
    before = _open_numbers(at)["Buckinghamshire"].tolist()
    at.selectbox[0].select("E10000034").run()
    table = frames(at)[0]
    assert "Worcestershire" in table.columns
    assert table["Worcestershire"].tolist() != before
    assert "Worcestershire — West Midlands" in all_text(at)


def test_demonstration_markers_keep_their_verdicts_and_sit_above_the_region():
    at = run_page_with_demo("profile", area="E10000034")
    (spec,) = plotly_specs(at)
    names = [t["name"] for t in spec["data"]]
    demo = [t for t in spec["data"] if t.get("name", "").endswith("(demonstration)")]
    # three verdicts, three different markers: colour told apart, crossed in grey as demonstration values
    assert len({t["marker"]["color"] for t in demo}) == len(demo) >= 2
    assert all(t["marker"]["symbol"] == "circle-x" and t["marker"]["line"]["color"] == "#8C8C8C" for t in demo)
    # the region's diamond is drawn first (under the area's markers) and larger than them
    region = names.index("West Midlands")
    assert all(region < names.index(t["name"]) for t in demo)
    assert spec["data"][region]["marker"]["size"] > max(t["marker"]["size"] for t in demo)


def test_the_spine_has_fingertips_table_beside_it():
    at = run_page("profile", area="E10000034")
    html = "\n".join(str(h.value) for h in at.get("html"))
    assert "<th scope='col'>Count</th><th scope='col'>England</th>" in html
    assert "Worst or lowest" in html and "Best or highest" in html
    # Worcestershire's real drug misuse deaths: the value with its count, England and the authorities' range
    row = html.split("Drug misuse deaths")[1].split("</tr>")[0]
    assert "4.8" in row and "2022-24" in row


def test_the_spine_table_says_why_a_value_is_missing_and_how_few_authorities_a_range_rests_on():
    at = run_page("profile", area="CDP0001")  # real figures only: the footprint is not aggregated
    html = "\n".join(str(h.value) for h in at.get("html"))
    row = html.split("Continuity of care (prison release)")[1].split("</tr>")[0]
    value = row.split("<td class=cdof-reason>")[1].split("<span")[0]
    assert value == "No value for Herefordshire and Worcestershire CDP in 2022/23 "  # not "Suppressed"
    # continuity of care is published for Worcestershire alone: the range says it rests on one authority
    assert "of 1 authority" in row
