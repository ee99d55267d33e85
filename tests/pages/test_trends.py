import io

import pandas as pd
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


def _row(table, area, period):
    return table[(table["Area"] == area) & (table["Period"] == period)].iloc[0]


def test_worcestershire_continuity_of_care_published_figures():
    at = run_page_with_demo("trends", metric="continuity_of_care", area="E10000034")
    assert not at.dataframe  # the table is built when its expander is opened
    table = frames(open_part(at, "data"))[0]
    r = _row(table, "Worcestershire", "2022/23")
    assert r["Value"] == "51.7%" and r["England"] == "42.6%"
    # no interval to compare: the report's own words, marked as its publisher's (issue 16)
    assert r["Compared with England"] == "Better (as published)"
    assert _row(table, "Worcestershire", "2021/22")["Compared with England"] == "Not compared"  # none published
    # The comparison column is shown as coloured labels: the words, each in its comparison colour.
    colours = colour_columns(at)["Compared with England"]
    assert colours and set(colours) <= set(COMPARISON_COLOURS.values())
    assert "significantly better than England" in r["Note"]
    assert r["Source"].startswith("Worcestershire Health and Wellbeing Board")  # a citation (issue 16)
    r = _row(table, "Worcestershire", "2021/22")
    assert r["Value"] == "25.2%" and r["England"] == "37.4%"
    assert _row(table, "England", "2022/23")["Value"] == "42.6%"
    # The chart: Worcestershire, England and the region, with the target line.
    spec = plotly_specs(at)[0]
    names = [t["name"] for t in spec["data"]]
    assert names[:2] == ["Worcestershire", "England"] and "West Midlands (demonstration)" in names
    worcs = spec["data"][0]
    assert round(worcs["y"][worcs["x"].index("2022/23")], 1) == 51.7
    assert any("Target" in (a.get("text") or "") for a in spec["layout"].get("annotations", []))
    assert "Definition and source" in all_text(at)


def test_region_can_be_hidden():
    at = run_page("trends", metric="continuity_of_care", area="E10000034")
    at.checkbox(key="region").uncheck().run()
    names = [t["name"] for t in plotly_specs(at)[0]["data"]]
    assert names == ["Worcestershire", "England"]


def test_metric_not_published_locally_says_so_and_shows_england():
    at = run_page("trends", metric="drug_use_last_year", area="E06000060")
    assert any("not published for Buckinghamshire" in i.value and "England and Wales only" in i.value for i in at.info)
    table = frames(open_part(at, "data"))[0]
    assert set(table["Area"]) == {"England"}


def test_local_measure_without_data():
    at = run_page_with_demo("trends", metric="naloxone_coverage_opiate", area="E06000060")
    assert any("no data uploaded yet" in i.value.lower() for i in at.info)
    assert not at.get("plotly_chart")


def test_suppressed_values_show_suppressed_not_zero(built_db, tmp_path, monkeypatch):
    from metrics.settings import default_settings
    from metrics.store import Store

    # The demonstration data suppresses small counts of a restricted metric (deaths in treatment): seen in local
    # mode, with full rights.
    (tmp_path / "settings.yaml").write_text("upload:\n  local_mode: true\n")
    monkeypatch.setenv("CDOF_SETTINGS", str(tmp_path / "settings.yaml"))
    default_settings.cache_clear()

    with Store(built_db, read_only=True) as s:
        df = s._query(
            "SELECT metric_key, area_code FROM indicator_values WHERE value IS NULL "
            "AND value_note LIKE 'Value suppressed%' AND level = 'utla' LIMIT 1"
        )
    metric, area = df.iloc[0]
    at = run_page_with_demo("trends", metric=metric, area=area)
    table = frames(open_part(at, "data"))[0]
    shown = table[table["Value"].str.removeprefix("Demo · ").str.startswith("Suppressed")]
    assert not shown.empty
    assert "small count" in shown["Value"].iloc[0]


def test_downloads_are_what_is_shown_with_sources(captured_downloads):
    at = open_part(run_page("trends", metric="continuity_of_care", area="E10000034"), "data")
    notes, df = read_csv_download(download(at, captured_downloads, "Download CSV"))
    assert any(n.startswith("# Source:") and "Worcestershire Health and Wellbeing Board" in n for n in notes)
    assert len(df) == len(frames(at)[0])
    r = df[(df["area_code"] == "E10000034") & (df["period"] == "2022/23")].iloc[0]
    assert r["value"] == pytest.approx(51.7) and r["value_shown"] == "51.7%" and not r["is_demo"]
    xlsx = download(at, captured_downloads, "Download Excel")
    sheets = pd.read_excel(io.BytesIO(xlsx), sheet_name=None)
    assert set(sheets) == {"data", "notes"}
    assert len(sheets["data"]) == len(df)
    assert sheets["notes"]["notes"].str.startswith("Source:").any()


def test_a_metric_with_years_and_quarters_is_drawn_one_kind_at_a_time(mixed_periods_db):
    """Quarters uploaded beside the yearly values are their own series: the page offers the kind of period and
    draws only that kind, never years and quarters on one line."""
    at = run_page("trends", metric="continuity_of_care", area="E10000034")
    radio = at.radio(key="periods")
    # Issue 15: the metric's own (catalogue) kind first and shown by default, not the kind with the latest period.
    assert radio.options == ["Financial year", "Quarter"]
    spec = plotly_specs(at)[0]
    x = spec["data"][0]["x"]
    assert "2022/23" in x and not any("Q" in p for p in x)
    assert spec["layout"]["title"]["text"].replace("<br>", " ").endswith(", all financial years")
    radio.set_value("quarter").run()
    assert not at.exception
    spec = plotly_specs(at)[0]
    assert spec["data"][0]["x"] == ["2023/24 Q1", "2023/24 Q2", "2023/24 Q3", "2023/24 Q4"]
    assert spec["layout"]["title"]["text"].replace("<br>", " ").endswith(", all quarters")


def test_a_metric_with_one_kind_of_period_has_no_period_choice():
    at = run_page("trends", metric="continuity_of_care", area="E10000034")
    assert not at.get("radio")
    assert plotly_specs(at)[0]["layout"]["title"]["text"].replace("<br>", " ").endswith(", all periods")
