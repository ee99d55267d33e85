import pytest

from tests.pages.helpers import all_text, frames, open_part, plotly_specs, run_page

pytestmark = pytest.mark.usefixtures("built_db")


def test_scatter_of_all_authorities_with_the_chosen_highlighted():
    at = run_page("compare_indicators", period="2022/23")  # Worcestershire's real series ends in 2022/23
    (spec,) = plotly_specs(at)
    points = {t["name"]: t for t in spec["data"]}
    assert len(points["Other authorities"]["x"]) + len(points["Chosen areas"]["x"]) == 153
    assert sorted(points["Chosen areas"]["text"]) == ["Buckinghamshire", "Oxfordshire", "Worcestershire"]
    text = all_text(at)
    assert "Across 153 authorities with both values (2022/23 and 2023): Pearson's r = " in text
    assert "Spearman's rank correlation = " in text
    open_part(at, "data")
    assert len(frames(at)[0]) == 153


def test_other_pair_and_areas():
    at = run_page(
        "compare_indicators",
        metric="ocu_prevalence",
        metric_y="drug_misuse_deaths",
        areas=["E10000034", "CDP0001"],
        period_y="2019 - 21",
    )  # the ONS deaths
    (spec,) = plotly_specs(at)
    chosen = next(t for t in spec["data"] if t["name"] == "Chosen areas")
    assert sorted(chosen["text"]) == ["Herefordshire, County of", "Worcestershire"]  # the footprint by its members
    assert "OCU prevalence" in spec["layout"]["xaxis"]["title"]["text"]
