"""Issue 15 item 3: "latest" is each metric's latest period of its catalogue kind (the area's own, issue 27 item 4);
one quarter uploaded beside annual data never displaces it on any page, and the pages say the quarter exists and
offer it."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.pages.helpers import (
    all_text,
    copy_with_upload,
    frames,
    open_part,
    plotly_specs,
    run_page,
    run_page_with_demo,
)

WORCS, ENGLAND, BUCKS, OXON = "E10000034", "E92000001", "E06000060", "E10000025"


@pytest.fixture
def one_quarter_db(built_db, tmp_path, monkeypatch):
    """The built database with one row uploaded: continuity of care 2023/24 Q3 for Worcestershire alone."""
    db = copy_with_upload(
        built_db,
        tmp_path,
        "one_quarter",
        "metric_key,area_code,period,breakdown,value,count,denominator\n"
        "continuity_of_care,E10000034,2023/24 Q3,Total,55.0,55,100\n",
    )
    monkeypatch.setenv("CDOF_DB", str(db))
    return db


def _scorecard_row(at, key: str) -> pd.Series:
    table = pd.concat([f for f in frames(at) if "Indicator" in f.columns and "Value" in f.columns], ignore_index=True)
    return table[table["key"] == key].iloc[0]


def test_store_latest_keeps_the_annual_period_for_every_area(one_quarter_db):
    from metrics.catalogue import default_catalogue
    from metrics.store import Store

    kinds = default_catalogue().period_kinds()
    with Store(one_quarter_db) as store:
        latest = store.latest_for_areas([WORCS, ENGLAND, BUCKS, "E12000005"], kinds)
        coc = latest[latest["metric_key"] == "continuity_of_care"].set_index("area_code")
        # Each area's own latest year (issue 27 item 4): Buckinghamshire's and the region's demonstration series
        # run to 2023/24, past England's published 2022/23; Worcestershire's quarter does not displace its year.
        assert coc["period"].to_dict() == {
            WORCS: "2022/23",
            ENGLAND: "2022/23",
            BUCKS: "2023/24",
            "E12000005": "2023/24",
        }
        assert store.latest_period("continuity_of_care", "financial_year") == "2022/23"
        others = store.other_period_kinds([WORCS, BUCKS], kinds)
        assert others[["metric_key", "area_code", "period_kind", "latest_period", "periods"]].to_dict("records") == [
            {
                "metric_key": "continuity_of_care",
                "area_code": WORCS,
                "period_kind": "quarter",
                "latest_period": "2023/24 Q3",
                "periods": 1,
            }
        ]
        # Without the catalogue's kinds the quarter would win (the old rule), which is what the pages avoid.
        assert store.latest_for_area(WORCS).set_index("metric_key").loc["continuity_of_care", "period"] == "2023/24 Q3"


def test_scorecard_keeps_the_annual_period_and_offers_the_quarter(one_quarter_db):
    at = run_page("scorecard", details="true", area=WORCS)
    row = _scorecard_row(at, "continuity_of_care")
    assert row["Period"] == "2022/23"
    # Worcestershire's 2022/23 figure was published without an interval or counts: England is shown, and the
    # verdict is the report's own, marked as its publisher's
    assert row["England"] == "42.6%" and row["Compared with England"] == "Better (as published)"
    text = all_text(at)
    assert (
        "Other periods: Continuity of care (prison release) also has 1 quarter for Worcestershire (latest "
        "2023/24 Q3); shown here in financial years, its own kind of period."
    ) in text
    at.toggle(key="other_periods").set_value(True).run()
    assert not at.exception
    assert _scorecard_row(at, "continuity_of_care")["Period"] == "2023/24 Q3"
    assert _scorecard_row(at, "continuity_of_care")["Value"] == "55.0%"


def test_scorecard_of_an_area_without_the_quarter_is_unchanged(one_quarter_db):
    at = run_page_with_demo("scorecard", details="true", area=BUCKS, rug=[BUCKS, OXON])
    # its own latest year (a demonstration 2023/24, past England's published 2022/23)
    assert _scorecard_row(at, "continuity_of_care")["Period"] == "2023/24"
    assert "Other periods" not in all_text(at)


def test_several_areas_table_keeps_the_annual_period(one_quarter_db):
    at = run_page_with_demo("scorecard", details="true", area=BUCKS, rug=[WORCS, BUCKS, OXON])
    rug = next(f for f in frames(at) if "England" in f.columns and "Worcestershire" in f.columns)
    coc = rug[rug["key"] == "continuity_of_care"].iloc[0]
    assert coc["Period"] == "2022/23"
    assert not coc["England"].startswith("No")
    for name in ("Worcestershire", "Buckinghamshire", "Oxfordshire"):
        assert "Q3" not in coc[name], coc[name]
    # Worcestershire's 2022/23 figure is published without an interval (its publisher's verdict); the others show
    # their own newer demonstration year, with its period, which England has no figure for
    assert coc["Worcestershire"].endswith(" · Better (as published)")
    assert all("(2023/24) · Not compared" in coc[n] for n in ("Buckinghamshire", "Oxfordshire"))


def test_compare_defaults_to_the_latest_annual_period(one_quarter_db):
    at = run_page_with_demo("compare", metric="continuity_of_care", areas=[WORCS, BUCKS, OXON])
    assert at.selectbox(key="period").value == "2022/23"
    assert "2023/24 Q3" in at.selectbox(key="period").options
    bars = plotly_specs(at)[0]
    assert sorted(y for t in bars["data"] for y in t["y"]) == ["Buckinghamshire", "Oxfordshire", "Worcestershire"]
    assert "also has periods of another kind than its own (financial years): 2023/24 Q3" in all_text(at)


def test_trends_opens_on_the_annual_series(one_quarter_db):
    at = run_page("trends", metric="continuity_of_care", area=WORCS)
    assert at.radio(key="periods").options == ["Financial year", "Quarter"]
    x = plotly_specs(at)[0]["data"][0]["x"]
    assert x[-1] == "2022/23" and not any("Q" in p for p in x)
    at.radio(key="periods").set_value("quarter").run()
    assert plotly_specs(at)[0]["data"][0]["x"] == ["2023/24 Q3"]


def test_profile_keeps_the_annual_period_and_links_the_quarter(one_quarter_db):
    at = run_page("profile", area=WORCS)
    text = all_text(at)
    assert "Continuity of care (prison release) also has 1 quarter for Worcestershire (latest 2023/24 Q3)" in text
    assert "trends?metric=continuity_of_care&area=E10000034&periods=quarter" in text
    numbers = open_part(at, "numbers")
    table = next(f for f in frames(numbers) if "25th percentile" in f.columns)
    assert table.set_index("Indicator").loc["Continuity of care (prison release)", "Period"] == "2022/23"


def test_cdp_scorecard_says_why_an_aggregate_has_no_value(built_db):
    """Item 1's reason in the visible Value column: Worcestershire's 2021/22 and 2022/23 figures have no counts."""
    at = run_page_with_demo("trends", metric="continuity_of_care", area="CDP0001")
    at = open_part(at, "data")
    table = next(f for f in frames(at) if "Value" in f.columns and "Area" in f.columns)
    cdp = table[table["Area"] == "Herefordshire and Worcestershire CDP"].set_index("Period")
    assert cdp.loc["2021/22", "Value"] == (
        "Demo · Not available: Worcestershire's 2021/22 figure was published without counts"
    )
    assert cdp.loc["2022/23", "Value"] == (
        "Demo · Not available: Worcestershire's 2022/23 figure was published without counts"
    )


def test_compare_says_why_the_cdp_has_no_value(built_db):
    at = run_page_with_demo("compare", metric="continuity_of_care", period="2022/23", areas=["CDP0001", WORCS])
    assert (
        "Suppressed or missing: Herefordshire and Worcestershire CDP: Not available: Worcestershire's 2022/23 "
        "figure was published without counts"
    ) in all_text(at).replace("\\", "")  # shown as escaped plain text
