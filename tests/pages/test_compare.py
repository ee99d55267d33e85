import pytest

from metrics.presentation import COMPARISON_COLOURS
from tests.pages.helpers import (
    all_text,
    colour_columns,
    download,
    frames,
    open_part,
    plotly_specs,
    read_csv_download,
    run_page,
    run_page_with_demo,
)

pytestmark = pytest.mark.usefixtures("built_db")


def _bars(spec):
    return [t for t in spec["data"] if t["type"] == "bar"]


def test_three_focus_areas_preselected_with_england_line():
    at = run_page_with_demo("compare")
    assert len(plotly_specs(at)) == 1  # the bars; the small multiples are drawn when their expander is opened
    open_part(at, "trends")
    assert at.multiselect[0].value == ["E06000060", "E10000025", "E10000034"]
    # issue 15: the default is the metric's latest period of its own kind that England has; issue 16: England's and
    # Worcestershire's continuity of care are real (2021/22 and 2022/23 published), with no demonstration 2023/24
    assert at.selectbox(key="period").value == "2022/23"
    at = open_part(run_page_with_demo("compare", period="2022/23"), "trends")
    bars_spec, multiples = plotly_specs(at)
    names = sorted(n for t in _bars(bars_spec) for n in t["y"])
    assert names == ["Buckinghamshire", "Oxfordshire", "Worcestershire"]
    # Each bar trace is one comparison word, coloured by it, and the bar labels repeat the word.
    for t in _bars(bars_spec):
        assert t["name"].removesuffix(" (demonstration)") in {
            "Better",
            "Similar",
            "Worse",
            "Not compared",
            "Better (as published)",  # Worcestershire's 2022/23 continuity of care, published without an interval
        }
        assert all(text.endswith(t["name"].removesuffix(" (demonstration)")) for text in t["text"])
    published = next(t for t in _bars(bars_spec) if t["name"] == "Better (as published)")
    assert published["y"] == ["Worcestershire"] and published["marker"]["line"]["color"] == "#0072B2"  # outlined
    shapes = bars_spec["layout"]["shapes"]
    assert any(s["type"] == "line" and s["x0"] == s["x1"] for s in shapes)  # the England reference line
    assert any("England" in a["text"] for a in bars_spec["layout"]["annotations"])
    # Small multiples: one panel per area, each with England's line.
    assert [a["text"] for a in multiples["layout"]["annotations"]][:3] == [
        "Buckinghamshire",
        "Oxfordshire",
        "Worcestershire",
    ]
    assert "Definition and source" in all_text(at)


def test_sort_by_name_and_by_value():
    at = run_page_with_demo("compare", metric="ocu_prevalence")
    order = plotly_specs(at)[0]["layout"]["yaxis"]["categoryarray"]
    values = {n: v for t in _bars(plotly_specs(at)[0]) for n, v in zip(t["y"], t["x"])}
    assert [values[n] for n in order] == sorted(values[n] for n in order)
    at.radio(key="sort").set_value("Name").run()
    order = plotly_specs(at)[0]["layout"]["yaxis"]["categoryarray"]
    assert order == sorted(order, reverse=True)  # top of the chart (last category) is A


def test_other_period_and_area():
    at = run_page_with_demo("compare", metric="continuity_of_care", period="2022/23")
    assert not at.dataframe  # the table is built when its expander is opened
    table = frames(open_part(at, "data"))[0]
    worcs = table[table["Area"] == "Worcestershire"].iloc[0]
    assert worcs["Value"] == "51.7%" and worcs["England"] == "42.6%"
    assert set(colour_columns(at)["Compared with England"]) <= set(COMPARISON_COLOURS.values())
    at.multiselect[0].select("E08000025").run()  # Birmingham
    names = sorted(n for t in _bars(plotly_specs(at)[0]) for n in t["y"])
    assert "Birmingham" in names and len(names) == 4


def test_metric_not_published_locally():
    at = run_page("compare", metric="drug_use_last_year")
    assert any("not published for local areas" in i.value for i in at.info)
    assert not at.get("plotly_chart")
    assert set(frames(at)[0]["Area"]) == {"England"}


def test_local_measure_without_data():
    at = run_page_with_demo("compare", metric="naloxone_coverage_opiate")
    assert any("no data uploaded yet" in i.value.lower() for i in at.info)


def test_download_rows_match_the_table(captured_downloads):
    # (2022/23: the latest period with Worcestershire's and England's published figures, issue 16)
    at = open_part(run_page_with_demo("compare", metric="continuity_of_care", period="2022/23"), "data")
    notes, df = read_csv_download(download(at, captured_downloads, "Download CSV"))
    assert sorted(df["area_name"]) == ["Buckinghamshire", "England", "Oxfordshire", "Worcestershire"]
    assert set(df["period"]) == {"2022/23"}
    assert any(n.startswith("# Data as of:") for n in notes)


def test_small_multiples_keep_to_the_kind_of_the_chosen_period(mixed_periods_db):
    """With quarters stored beside years, the trends below the bars are drawn for the chosen period's kind only."""
    at = open_part(run_page("compare", metric="continuity_of_care", period="2023/24 Q2"), "trends")
    assert at.selectbox(key="period").value == "2023/24 Q2"
    multiples = plotly_specs(at)[1]
    periods = {x for t in multiples["data"] for x in t["x"]}
    assert periods == {"2023/24 Q1", "2023/24 Q2", "2023/24 Q3", "2023/24 Q4"}
    assert "Only periods of the same kind as 2023/24 Q2 are drawn" in all_text(at)
    at.selectbox(key="period").set_value("2022/23").run()
    assert not at.exception
    periods = {x for t in plotly_specs(at)[1]["data"] for x in t["x"]}
    assert "2022/23" in periods and not any("Q" in p for p in periods)


# ---- issue 18: one click fills the areas with a region or a footprint; a user's own group
def test_one_click_fills_the_areas_with_a_region_or_footprint():
    at = run_page_with_demo("compare")
    at.get("button_group")[0].set_value("E12000005").run()  # West Midlands
    assert not at.exception
    (spec,) = plotly_specs(at)
    drawn = sorted(n for t in spec["data"] if t["type"] == "bar" for n in t["y"])
    assert len(drawn) == 14 and "Worcestershire" in drawn and "Herefordshire, County of" in drawn
    at.get("button_group")[0].set_value("CDP0001").run()
    (spec,) = plotly_specs(at)
    assert sorted(n for t in spec["data"] if t["type"] == "bar" for n in t["y"]) == [
        "Herefordshire, County of",
        "Worcestershire",
    ]


def test_own_area_group_is_aggregated_like_the_footprint(built_db):
    from metrics.store import Store

    # a demonstration metric with counts: Worcestershire's real continuity of care has none, so its footprint
    # cannot be aggregated for that metric
    at = run_page_with_demo(
        "compare",
        metric="successful_completion_drugs",
        group=["E06000019", "E10000034"],
        group_open="true",
        group_name="Our partnership",
        period="2023/24",
    )
    (spec,) = plotly_specs(at)
    bars = {n: x for t in spec["data"] if t["type"] == "bar" for n, x in zip(t["y"], t["x"])}
    with Store(built_db, read_only=True) as store:
        footprint = store.values_for_period("successful_completion_drugs", "2023/24", ["CDP0001"]).iloc[0]
    assert bars["Our partnership (your group)"] == pytest.approx(footprint["value"])
    assert list(at.query_params["group"]) == ["E06000019", "E10000034"]  # kept in the URL
