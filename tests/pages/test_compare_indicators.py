import pytest

from tests.pages.helpers import all_text, frames, open_part, plotly_specs, run_page

pytestmark = pytest.mark.usefixtures("built_db")


def _points(spec) -> dict:
    return {t["name"]: t for t in spec["data"]}


def test_scatter_of_all_authorities_with_the_chosen_highlighted():
    # demonstration data switched on: Worcestershire's real series ends in 2022/23
    at = run_page("compare_indicators", period="2022/23", real="false")
    (spec,) = plotly_specs(at)
    points = _points(spec)
    assert sum(len(t["x"]) for t in points.values()) == 153
    chosen = next(t for name, t in points.items() if name.startswith("Chosen areas"))
    assert sorted(chosen["text"]) == [
        "Buckinghamshire (demonstration)",
        "Oxfordshire (demonstration)",
        "Worcestershire (demonstration)",
    ]
    # every point rests on a demonstration value: hollow and grey, and no correlation is stated from them
    demo = points["Other authorities (demonstration)"]
    assert len(demo["x"]) == 150 and demo["marker"]["symbol"] == "circle-open"
    text = all_text(at)
    assert "r = " not in text and "Spearman's rank correlation = " not in text
    assert "Too few authorities have published values for both (0) to state a correlation." in text
    assert "The other 153 authorities' points are demonstration data (not real) and are left out" in text
    open_part(at, "data")
    assert len(frames(at)[0]) == 153


def test_the_correlation_of_real_figures_is_stated():
    # the ONS drug misuse deaths are real for every authority: two of their periods against each other
    at = run_page(
        "compare_indicators",
        metric="drug_misuse_deaths",
        metric_y="drug_misuse_deaths",
        period="2016 - 18",
        period_y="2019 - 21",
        real="false",
    )
    (spec,) = plotly_specs(at)
    points = _points(spec)
    real = len(points["Other authorities"]["x"]) + len(points["Chosen areas"]["x"])
    n_demo = len(points["Other authorities (demonstration)"]["x"])  # two authorities without ONS figures
    assert real > 100 and n_demo < 5
    text = all_text(at)
    assert f"Across {real} authorities with published values for both (2016 - 18 and 2019 - 21): Pearson's r = " in text
    assert f"The other {n_demo} authorities' points are demonstration data (not real) and are left out" in text


def test_other_pair_and_areas():
    at = run_page(
        "compare_indicators",
        metric="ocu_prevalence",
        metric_y="drug_misuse_deaths",
        areas=["E10000034", "CDP0001"],
        period_y="2019 - 21",
        real="false",
    )  # the ONS deaths
    (spec,) = plotly_specs(at)
    chosen = next(t for t in spec["data"] if t["name"].startswith("Chosen areas"))
    # the footprint by its members
    assert sorted(chosen["text"]) == ["Herefordshire, County of (demonstration)", "Worcestershire (demonstration)"]
    assert "OCU prevalence" in spec["layout"]["xaxis"]["title"]["text"]


def test_by_default_only_real_pairs_are_drawn():
    at = run_page(
        "compare_indicators",
        metric="drug_misuse_deaths",
        metric_y="drug_misuse_deaths",
        period="2016 - 18",
        period_y="2019 - 21",
    )
    (spec,) = plotly_specs(at)
    assert not [t["name"] for t in spec["data"] if "(demonstration)" in t["name"]]
    assert "Pearson's r = " in all_text(at)
