import io
import math
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from metrics import presentation as pr
from metrics import stats
from metrics.areas import default_geography, load_geography
from metrics.catalogue import default_catalogue


@pytest.fixture(scope="module")
def cat():
    return default_catalogue()


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+44 1234", "'+44 1234"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Oxfordshire", "Oxfordshire"),
        ("", ""),
        ("a=b", "a=b"),
        (-3.5, -3.5),
        (7, 7),
        (None, None),
    ],
)
def test_neutralise_cell(cell, expected):
    assert pr.neutralise_cell(cell) == expected


def test_neutralise_formulas_leaves_numbers_alone():
    df = pd.DataFrame({"name": ['=HYPERLINK("x")', "ok"], "value": [-1.5, 2.0], "=col": ["@a", None]})
    out = pr.neutralise_formulas(df)
    assert out["name"].tolist() == ['\'=HYPERLINK("x")', "ok"]
    assert out["value"].tolist() == [-1.5, 2.0]
    assert list(out.columns) == ["name", "value", "'=col"]
    assert out["'=col"].iloc[0] == "'@a"


def test_csv_has_notes_parses_and_is_neutralised():
    df = pd.DataFrame(
        {
            "area": ["=cmd|' /C calc'!A0", "Has # hash"],
            "value": [1.25, np.nan],
            "source": ["Published: x", "DEMONSTRATION"],
            "is_demo": [False, True],
        }
    )
    notes = pr.download_notes("T", df["source"], datetime(2025, 1, 2, 3, 4), True)
    data = pr.to_csv_bytes(df, notes)
    text = data.decode()
    # (issue 16: the notes' sources are the words a reader sees, demonstration data named as such)
    assert text.startswith(
        "# Title: T\n# Source: Demonstration data (not real); Published: x\n# Data as of: 2025-01-02 03:04"
    )
    assert "# WARNING: contains DEMONSTRATION data" in text
    back = pd.read_csv(io.BytesIO(data), comment="#")
    assert back["area"].tolist() == ["'=cmd|' /C calc'!A0", "Has # hash"]
    assert back["value"].iloc[0] == 1.25 and math.isnan(back["value"].iloc[1])
    assert len(back) == 2


def test_excel_has_data_and_notes_sheets():
    df = pd.DataFrame({"area": ["-1+2", "B"], "value": [1.0, 2.0]})
    data = pr.to_excel_bytes(df, ["Source: s", "=bad note"])
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None)
    assert sheets["data"]["area"].tolist() == ["'-1+2", "B"]
    assert sheets["notes"]["notes"].tolist() == ["Source: s", "'=bad note"]


@pytest.mark.parametrize(
    "value, unit, note, expected",
    [
        (51.7, "%", None, "51.7%"),
        (42.61, "%", None, "42.6%"),
        (25.17, "%", None, "25.2%"),
        (15.98, "per 1,000", None, "16.0 per 1,000"),
        (3656.0, "count", None, "3,656"),
        (np.nan, "%", "Value suppressed for disclosure control", "Suppressed"),
        (None, "%", None, "No value"),
        (0.0, "%", None, "0.0%"),
    ],
)
def test_format_value(value, unit, note, expected):
    assert pr.format_value(value, unit, note) == expected


def test_suppressed_never_zero_and_keeps_note():
    assert pr.value_with_note(np.nan, "%", "small count") == "Suppressed: small count"
    assert pr.format_ci(np.nan, 2, "%") == ""
    assert pr.format_ci(1.04, 2.06, "%") == "1.0% to 2.1%"


def test_area_labels_and_order():
    geo = default_geography()
    assert pr.area_label("E06000060", geo) == "Buckinghamshire — South East"
    assert pr.area_label("E92000001", geo) == "England — country"
    opts = pr.area_options(geo)
    assert opts[0] == "E92000001" and len(opts) == len(geo.areas)
    assert all(geo.get(c).level == "region" for c in opts[1:10])
    utlas = [c for c in opts if geo.get(c).level == "utla"]
    regions = [geo.region_of(c).name for c in utlas]
    assert regions == sorted(regions)  # grouped by region


def test_comparison_colours_and_goal_words(cat):
    assert pr.comparison_word_colour("Better") == "#0072B2"
    assert pr.comparison_word_colour("Worse") == "#B85000"  # issue 18: 4.5:1 under white text
    assert pr.comparison_word_colour("No data") == pr.comparison_word_colour(None) == pr.comparison_colour("x")
    coc = cat.get("continuity_of_care")
    assert pr.goal_words("Red", coc) == "Misses target (National target 75% by end of 2023)"
    assert pr.goal_words("Green", coc).startswith("Meets target")
    assert pr.goal_words("Red", cat.get("ocu_prevalence")) == ""
    # Every comparison word has a colour and a symbol; the palette has no red/green pair.
    for w in ("Better", "Similar", "Worse", "Lower", "Higher", stats.NOT_COMPARED):
        assert w in pr.COMPARISON_COLOURS and w in pr.COMPARISON_SYMBOL


def _rows(**kw):
    base = dict(
        metric_key="continuity_of_care",
        area_code="E10000034",
        area_name="Worcestershire",
        period="2022/23",
        period_kind="financial_year",
        period_sortable=2022,
        value=51.7,
        lower95=np.nan,
        upper95=np.nan,
        count=np.nan,
        denominator=np.nan,
        value_note="note",
        source="Published: s",
        is_demo=False,
        compared_to_england="Not compared",
        recent_trend="Cannot be calculated",
        england_value=42.61,
        region_value=np.nan,
        compared_to_region="Not compared",
        compared_to_goal="Red",
        aggregation_note=None,
        level="utla",
    )
    base.update(kw)
    return base


def test_scorecard_rows_published_not_local_and_local(cat):
    inds = [cat.get("continuity_of_care"), cat.get("drug_use_last_year"), cat.get("naloxone_coverage_opiate")]
    latest = pd.DataFrame([_rows()])
    england = pd.DataFrame(
        [
            _rows(
                metric_key="drug_use_last_year",
                area_code="E92000001",
                area_name="England",
                value=8.9,
                value_note=None,
                period="2023/24",
                is_demo=True,
                source="DEMONSTRATION DATA",
            )
        ]
    )
    sparks = pd.DataFrame(
        {"metric_key": ["continuity_of_care"] * 2, "period_kind": ["financial_year"] * 2, "value": [25.2, 51.7]}
    )
    out = pr.scorecard_rows(inds, "E10000034", "utla", latest, england, None, sparks).set_index("key")
    assert out.loc["continuity_of_care", "Value"] == "51.7%"
    assert out.loc["continuity_of_care", "England"] == "42.6%"
    assert out.loc["continuity_of_care", "Compared with England"] == "Not compared"
    assert out.loc["continuity_of_care", "Note"] == "note"
    assert out.loc["continuity_of_care", "Trend"] == [25.2, 51.7]
    assert out.loc["drug_use_last_year", "Value"] == "Not published locally"
    # issue 16: a demonstration value carries the "Demo" mark in its cell
    assert out.loc["drug_use_last_year", "England"] == "Demo · 8.9%"
    assert out.loc["continuity_of_care", "Data"] == "Published"
    assert "England and Wales only" in out.loc["drug_use_last_year", "Note"]
    assert out.loc["drug_use_last_year", "Source"] == "Demonstration data (not real)"
    assert out.loc["naloxone_coverage_opiate", "Note"].startswith("No data uploaded yet")


def test_scorecard_sparkline_keeps_to_the_kind_of_period_of_the_value_shown(cat):
    """Years and quarters of one metric are two series: the line beside a quarterly value is the quarters'."""
    inds = [cat.get("continuity_of_care")]
    latest = pd.DataFrame([_rows(period="2023/24 Q2", period_kind="quarter")])
    sparks = pd.DataFrame(
        {
            "metric_key": ["continuity_of_care"] * 5,
            "period_kind": ["financial_year", "financial_year", "quarter", "financial_year", "quarter"],
            "value": [25.2, 51.7, 40.0, 48.0, 41.0],
        }
    )
    out = pr.scorecard_rows(inds, "E10000034", "utla", latest, pd.DataFrame(), None, sparks).set_index("key")
    assert out.loc["continuity_of_care", "Trend"] == [40.0, 41.0]
    latest = pd.DataFrame([_rows(period="2022/23", period_kind="financial_year")])
    out = pr.scorecard_rows(inds, "E10000034", "utla", latest, pd.DataFrame(), None, sparks).set_index("key")
    assert out.loc["continuity_of_care", "Trend"] == [25.2, 51.7, 48.0]


def test_series_table_and_export(cat):
    ind = cat.get("continuity_of_care")
    rows = pd.DataFrame([_rows(), _rows(period="2023/24", value=np.nan, value_note="Value suppressed")])
    t = pr.series_table(rows, ind)
    assert t["Value"].tolist() == ["51.7%", "Suppressed: Value suppressed"]
    assert t["England"].tolist() == ["42.6%", "42.6%"]
    e = pr.export_frame(rows, ind)
    assert e["value_shown"].tolist() == ["51.7%", "Suppressed"]
    assert {"source", "is_demo", "unit", "metric_name"} <= set(e.columns)


def test_trend_figure_has_error_bars_target_and_hover(cat):
    ind = cat.get("continuity_of_care")
    rows = pd.DataFrame(
        [
            _rows(lower95=48.0, upper95=55.0),
            _rows(area_code="E92000001", area_name="England", value=42.61, lower95=42.0, upper95=43.2),
        ]
    )
    fig = pr.trend_figure(rows, ind, ["E10000034", "E92000001"], ["2022/23"])
    assert [t.name for t in fig.data] == ["Worcestershire", "England"]
    assert fig.data[0].error_y.array[0] == pytest.approx(3.3)
    assert fig.data[0].customdata[0][0] == "51.7%"
    assert "Denominator" in fig.data[0].hovertemplate and "Source" in fig.data[0].hovertemplate
    assert fig.layout.shapes[0].y0 == 75


def test_count_panels_draw_the_target_in_the_chosen_areas_panel(cat):
    from metrics.catalogue import Target

    ind = cat.get("numbers_in_treatment").model_copy(update={"targets": [Target(value=2500, label="2,500 by 2025")]})
    rows = pd.DataFrame(
        [
            _rows(metric_key=ind.key, value=2006, lower95=None, upper95=None),
            _rows(metric_key=ind.key, area_code="E92000001", area_name="England", value=290000),
        ]
    )
    fig = pr.trend_figure(rows, ind, ["E10000034", "E92000001"], ["2022/23"])
    assert [t.yaxis for t in fig.data] == ["y", "y2"]  # one panel per area, each on its own scale
    (line,) = fig.layout.shapes
    assert (line.yref, line.y0, line.xref) == ("y", 2500, "x domain")  # on the first panel: Worcestershire's
    texts = [a.text for a in fig.layout.annotations]
    assert "Target: 2,500 by 2025" in texts and "<b>Worcestershire</b> (own scale)" in texts


def test_compare_bar_figure_colours_and_sort(cat):
    ind = cat.get("continuity_of_care")
    rows = pd.DataFrame(
        [
            _rows(area_name="B", value=60, lower95=55, upper95=65, compared_to_england="Better"),
            _rows(area_name="A", value=30, lower95=25, upper95=35, compared_to_england="Worse"),
        ]
    )
    fig = pr.compare_bar_figure(rows, ind, 45.0, "2022/23", "Value")
    by_name = {t.name: t for t in fig.data}
    assert by_name["Better"].marker.color == pr.COMPARISON_COLOURS["Better"]
    assert by_name["Worse"].text[0] == "30.0% · Worse"
    assert list(fig.layout.yaxis.categoryarray) == ["A", "B"]
    assert fig.layout.shapes[0].x0 == 45.0
    fig = pr.compare_bar_figure(rows, ind, 45.0, "2022/23", "Name")
    assert list(fig.layout.yaxis.categoryarray) == ["B", "A"]


def test_spine_rows_orientation(cat):
    ind = cat.get("ocu_prevalence")  # lower is better: worst (highest) on the left
    lv = pd.DataFrame(
        {
            "metric_key": "ocu_prevalence",
            "period": "2023/24",
            "area_code": list("abcde"),
            "value": [2.0, 4.0, 6.0, 8.0, 10.0],
        }
    )
    area = pd.DataFrame([_rows(metric_key="ocu_prevalence", period="2023/24", value=4.0, compared_to_england="Better")])
    eng = pd.DataFrame([_rows(metric_key="ocu_prevalence", period="2023/24", value=6.0)])
    sp = pr.spine_rows([ind], pr.spine_ranges([ind], lv, stats.spine_stats), area, eng, None).iloc[0]
    assert sp["worst"] == 10 and sp["best"] == 2
    assert sp["p_worst"] == pytest.approx(-1) and sp["p_best"] == pytest.approx(1)
    assert sp["p_area"] == pytest.approx(0.5)  # better than England -> right of centre
    fig = pr.spine_figure(pd.DataFrame([sp]), "X", None, "t")
    assert any(t.name == "X: Better" for t in fig.data)


def test_spine_leaves_out_counts():
    """A count (adults in treatment) has no England centre: England's total dwarfs every area's count."""
    import numpy as np
    import pandas as pd

    from metrics import presentation, stats
    from metrics.catalogue import load_catalogue

    cat = load_catalogue()
    keys = ["numbers_in_treatment", "continuity_of_care"]
    inds = [cat.get(k) for k in keys]
    level = pd.DataFrame(
        {
            "metric_key": np.repeat(keys, 10),
            "period": "2023/24",
            "value": np.r_[np.arange(100, 1100, 100), np.arange(30, 80, 5)].astype(float),
        }
    )

    def row(k, v):
        return {
            "metric_key": k,
            "period": "2023/24",
            "value": v,
            "compared_to_england": "Similar",
            "value_note": None,
            "is_demo": False,
            "source": "s",
        }

    area = pd.DataFrame([row("numbers_in_treatment", 300.0), row("continuity_of_care", 50.0)])
    england = pd.DataFrame([row("numbers_in_treatment", 140000.0), row("continuity_of_care", 45.0)])
    rows = presentation.spine_rows(inds, presentation.spine_ranges(inds, level, stats.spine_stats), area, england, None)
    assert rows["key"].tolist() == ["continuity_of_care"]


def test_problems_for_display_name_whole_rows_and_files_but_keep_the_rest():
    from metrics.ingest.problems import ProblemLog

    log = ProblemLog("f.csv")
    log.add(None, None, None, "the file is empty")
    log.add(6, None, "12 of 27 cells", "the row has fewer cells than the header")
    log.add(7, "value", "53.2%", "not a number")
    problems = log.frame()
    shown = pr.problems_for_display(problems)
    by_message = dict(zip(shown["message"], shown["column"]))
    assert by_message == {
        "the file is empty": "(whole file)",
        "the row has fewer cells than the header": "(whole row)",
        "not a number": "value",
    }
    assert problems["column"].isna().sum() == 2  # the report itself (and its download) is unchanged


def test_problem_sentences_put_errors_first_and_read_in_full():
    from metrics.ingest.problems import ProblemLog

    log = ProblemLog("f.csv")
    log.add(3, "sex", "X", "unknown sex; use Persons, Male or Female", severity="warning")
    log.add(None, None, None, "the file has no rows")
    log.add(2, "value", "0.473", "value 0.473 does not match count 701 / denominator 1482 x 100 = 47.3009; " * 3)
    sentences = pr.problem_sentences(log.frame(), limit=2)
    assert sentences == [
        "Error, whole file: the file has no rows",
        "Error, row 2, column value, value '0.473': "
        + "value 0.473 does not match count 701 / denominator 1482 x 100 = 47.3009; " * 3,
    ]


def test_demonstration_values_are_marked_in_every_table_and_figure(cat):
    ind = cat.get("continuity_of_care")
    demo_row = _rows(
        area_code="E10000025",
        area_name="Oxfordshire",
        is_demo=True,
        source="DEMONSTRATION DATA",
        value=38.8,
        lower95=35.0,
        upper95=42.0,
        compared_to_england="Worse",
    )
    real_row = _rows(lower95=48.0, upper95=55.0, compared_to_england="Better")
    rows = pd.DataFrame([real_row, demo_row])
    card = pr.scorecard_rows([ind], "E10000025", "utla", pd.DataFrame([demo_row]), pd.DataFrame(), None, pd.DataFrame())
    assert card["Data"].tolist() == ["Demo"]
    table = pr.series_table(rows, ind)
    assert table["Value"].tolist() == ["51.7%", "Demo · 38.8%"]
    rug = pr.tartan_frame(
        [ind], rows.assign(area_code=["E10000034", "E10000025"]), ["E10000034", "E10000025"], load_geography()
    )
    assert rug["Oxfordshire"].iloc[0].startswith("Demo · 38.8%") and not rug["Worcestershire"].iloc[0].startswith(
        "Demo"
    )
    trend = pr.trend_figure(rows, ind, ["E10000034", "E10000025"], ["2022/23"])
    names = [t.name for t in trend.data]
    assert names == ["Worcestershire", "Oxfordshire (demonstration)"]
    assert trend.data[1].marker.symbol == ("square-open",) and trend.data[1].marker.color == (pr.DEMO_MARKER_COLOUR,)
    assert trend.data[0].marker.symbol == ("circle",)
    assert trend.data[1].customdata[0][7] == " (demonstration)" and "%{customdata[7]}" in trend.data[1].hovertemplate
    bars = pr.compare_bar_figure(rows, ind, 42.61, "2022/23")
    assert {t.name for t in bars.data} == {"Better", "Worse (demonstration)"}
    multiples = pr.small_multiples_figure(rows, ind, ["E10000034", "E10000025"], ["2022/23"])
    assert {t.name for t in multiples.data if t.showlegend is not False} >= {"Area", "Area (demonstration)"}
    assert pr.demo_count_words(31, 47) == "31 of 47 figures on this page are demonstration data"
    assert pr.demo_figures(rows) == (1, 2)
    assert pr.real_only(rows)["area_name"].tolist() == ["Worcestershire"]


def test_trend_figure_keeps_time_and_draws_no_legend_entry_without_a_line(cat):
    """Issue 27 items 5 and 8: missing periods are on the axis and break the line; an area without a single value
    (a footprint that cannot be aggregated) is not in the legend; the small multiples keep time too."""
    ind = cat.get("drug_misuse_deaths")
    rows = pd.DataFrame(
        [
            _rows(metric_key=ind.key, period="2019 - 21", period_kind="three_year_pooled", value=4.8),
            _rows(metric_key=ind.key, period="2022 - 24", period_kind="three_year_pooled", value=4.83),
            _rows(metric_key=ind.key, area_code="CDP0001", area_name="Joint CDP", period="2022 - 24", value=np.nan),
            _rows(metric_key=ind.key, area_code="E92000001", area_name="England", period="2019 - 21", value=5.1),
        ]
    )
    fig = pr.trend_figure(rows, ind, ["CDP0001", "E10000034", "E92000001"], ["2019 - 21", "2022 - 24"])
    assert [t.name for t in fig.data] == ["Worcestershire", "England"]
    assert list(fig.layout.xaxis.categoryarray) == ["2019 - 21", "2020 - 22", "2021 - 23", "2022 - 24"]
    # item 13: the axis and the hover read in the pages' one style, keyed by the stored labels
    assert list(fig.layout.xaxis.ticktext) == ["2019-21", "2020-22", "2021-23", "2022-24"]
    assert fig.data[0].customdata[0][8] == "2019-21"
    worcs = fig.data[0]
    assert list(worcs.x) == ["2019 - 21", "2020 - 22", "2021 - 23", "2022 - 24"]
    assert worcs.y[0] == 4.8 and np.isnan(worcs.y[1]) and np.isnan(worcs.y[2]) and worcs.y[3] == 4.83
    multiples = pr.small_multiples_figure(rows, ind, ["E10000034"], ["2019 - 21", "2022 - 24"])
    assert list(multiples.data[0].x) == ["2019 - 21", "2020 - 22", "2021 - 23", "2022 - 24"]
    assert list(multiples.layout.xaxis.categoryarray)[1:3] == ["2020 - 22", "2021 - 23"]


def test_member_figures_words_side_by_side(cat):
    ind = cat.get("drug_misuse_deaths")
    members = pd.DataFrame(
        [
            _rows(metric_key=ind.key, area_code="E06000019", period="2019 - 21", value=6.3, is_demo=False),
            _rows(metric_key=ind.key, area_code="E10000034", period="2022 - 24", value=4.83, is_demo=True),
        ]
    )
    names = {"E06000019": "Herefordshire, County of", "E10000034": "Worcestershire", "E99999999": "Nowhere"}
    assert pr.member_figures_words(members, ind, names) == (
        "Herefordshire, County of: 6.3 per 100,000 (2019-21); Worcestershire: Demo · 4.8 per 100,000 (2022-24); "
        "Nowhere: no figure"
    )
    assert pr.member_figures_words(None, ind, names) == "" and pr.member_figures_words(members, ind, {}) == ""
