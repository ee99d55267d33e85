"""Issue 15 items 4 and 5: Compare draws small multiples and its table for 1 to 20 areas; a count on Trends puts
each area on its own axis, never an authority's count on England's axis."""

from __future__ import annotations

import itertools

import pytest

from metrics.areas import default_geography
from tests.pages.helpers import all_text, frames, open_part, plotly_specs, run_page, run_page_with_demo

pytestmark = pytest.mark.usefixtures("built_db")


def _authorities(n: int) -> list[str]:
    return sorted(c for c, a in default_geography().areas.items() if a.level == "utla")[:n]


@pytest.mark.parametrize("n", [1, 4, 7, 20])
def test_compare_draws_small_multiples_and_table_for_n_areas(n):
    codes = _authorities(n)
    # (England's published latest: the demonstration areas' own latest, 2023/24, has no England row)
    at = run_page_with_demo("compare", metric="continuity_of_care", areas=codes, period="2022/23")
    at = open_part(at, "trends")
    at = open_part(at, "data")
    multiples = plotly_specs(at)[1]
    area_traces = [t for t in multiples["data"] if t["name"].startswith("Area")]  # "Area (demonstration)" too
    assert len(area_traces) == n
    layout = multiples["layout"]
    domains = [layout[k]["domain"] for k in layout if k.startswith(("xaxis", "yaxis"))]
    assert len(domains) == 2 * n
    assert all(0 <= lo < hi <= 1 for lo, hi in domains), domains
    # Panels of one row do not overlap those of the next.
    tops = sorted({tuple(layout[k]["domain"]) for k in layout if k.startswith("yaxis")}, reverse=True)
    assert all(a[0] > b[1] for a, b in itertools.pairwise(tops))
    table = next(f for f in frames(at) if "Area" in f.columns and "Compared with England" in f.columns)
    assert len(table) == n + 1  # the areas and England
    assert "Chart: one small line chart per area" in all_text(at)


def test_trends_of_a_count_puts_each_area_on_its_own_axis():
    at = run_page_with_demo("trends", metric="numbers_in_treatment", area="E10000034")
    spec = plotly_specs(at)[0]
    axes = {t["name"]: t.get("yaxis", "y") for t in spec["data"]}
    assert axes == {"Worcestershire": "y", "England": "y2", "West Midlands (demonstration)": "y3"}
    layout = spec["layout"]
    # (a long title breaks between words, so that a phone shows it whole)
    title = layout["title"]["text"].replace("<br>", " ")
    assert title == "Adults in treatment (count), all periods: each area on its own scale"
    # Stacked panels, the chosen area on top, none overlapping.
    assert layout["yaxis"]["domain"][0] > layout["yaxis2"]["domain"][1] > 0
    assert layout["yaxis2"]["domain"][0] > layout["yaxis3"]["domain"][1]
    labels = [a["text"] for a in layout["annotations"]]
    assert labels == [
        "<b>Worcestershire</b> (own scale)",
        "<b>England</b> (own scale)",
        "<b>West Midlands (demonstration)</b> (own scale)",
    ]


def test_trends_of_a_percentage_keeps_one_axis():
    spec = plotly_specs(run_page("trends", metric="continuity_of_care", area="E10000034"))[0]
    assert {t.get("yaxis", "y") for t in spec["data"]} == {"y"}
