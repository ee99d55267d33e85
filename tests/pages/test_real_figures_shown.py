"""Issue 27 items 4-8 on the pages, with the real bundled figures: Worcestershire's 2,006 adults in treatment
(2022/23), the ONS drug misuse deaths series behind the 2022-24 figure, a fresh upload on Compare, and the joint
Herefordshire and Worcestershire CDP."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.pages.helpers import all_text, copy_with_upload, frames, plotly_specs, run_page

WORCS, HEREFORD, CDP, ENGLAND = "E10000034", "E06000019", "CDP0001", "E92000001"
BUCKS, OXON = "E06000060", "E10000025"

pytestmark = pytest.mark.usefixtures("built_db")


def _row(at, key: str) -> pd.Series:
    table = pd.concat([f for f in frames(at) if "Indicator" in f.columns and "Value" in f.columns], ignore_index=True)
    return table[table["key"] == key].iloc[0]


def _summary(at) -> str:
    return "\n".join(str(h.proto.body) for h in at.get("html"))


# ---- item 4 (and 7): the area's own newer figure, without an interval
def test_scorecard_shows_worcestershires_2006_adults_in_treatment_without_an_interval():
    at = run_page("scorecard", details="true", area=WORCS, real="true")
    row = _row(at, "numbers_in_treatment")
    assert (row["Period"], row["Value"], row["Data"]) == ("2022/23", "2,006", "Published")
    assert row["95% CI"] == "" and row["England"] == "No 2022/23 figure"
    at = run_page("scorecard", area=WORCS, real="true")
    assert "<td class='cdof-wide'>2022/23</td><td class='cdof-value'>2,006" in _summary(at)
    assert "No data" not in _summary(at).split("Adults in treatment")[1].split("</tr>")[0]


# ---- item 5: the latest figure, and beside it the latest comparable one and the trend, each with its period
def test_scorecard_keeps_the_ons_deaths_series_beside_the_2022_24_figure():
    at = run_page("scorecard", details="true", area=WORCS)
    row = _row(at, "drug_misuse_deaths")
    shown = (row["Period"], row["Value"], row["Compared with England"])
    assert shown == ("2022-24", "4.8 per 100,000", "Not compared")
    assert row["Latest compared"] == (
        "latest compared: 2019-21, 4.8 per 100,000 (3.8 to 6.0), Similar to England (5.1 per 100,000)"
    )
    assert row["Earlier trend"] == "recent trend to 2019-21: increasing and getting worse"
    summary = _summary(run_page("scorecard", area=WORCS))
    assert "latest compared: 2019-21, 4.8 per 100,000 (3.8 to 6.0), Similar to England" in summary
    assert "recent trend to 2019-21: increasing and getting worse" in summary


def test_trends_leave_a_gap_for_the_missing_pooled_periods():
    at = run_page("trends", metric="drug_misuse_deaths", area=WORCS)
    spec = plotly_specs(at)[0]
    assert spec["layout"]["xaxis"]["categoryarray"][-4:] == ["2019 - 21", "2020 - 22", "2021 - 23", "2022 - 24"]
    worcs = next(t for t in spec["data"] if t["name"] == "Worcestershire")
    points = dict(zip(worcs["x"], worcs["y"]))
    assert points["2019 - 21"] == 4.8 and points["2022 - 24"] == 4.83
    assert points["2020 - 22"] is None and points["2021 - 23"] is None  # the line breaks there
    assert sum(v is not None for v in worcs["y"]) == 20  # 19 ONS periods and the 2022-24 figure
    assert worcs["connectgaps"] is False


# ---- item 6: Compare opens on what was uploaded
@pytest.fixture
def earlier_upload_db(built_db, tmp_path, monkeypatch):
    """Three authorities' 2019/20 homelessness figures uploaded (England's series runs to 2023/24)."""
    db = copy_with_upload(
        built_db,
        tmp_path,
        "earlier_year",
        "metric_key,area_code,period,breakdown,value,count,denominator\n"
        + "".join(
            f"homelessness_drug_need,{code},2019/20,Total,,{n},400\n"
            for code, n in ((BUCKS, 40), (OXON, 52), (WORCS, 61))
        ),
    )
    monkeypatch.setenv("CDOF_DB", str(db))
    return db


def test_compare_opens_on_the_period_just_uploaded_and_says_england_has_a_later_one(earlier_upload_db):
    at = run_page("compare", metric="homelessness_drug_need", areas=[BUCKS, OXON, WORCS], real="false")
    assert at.selectbox(key="period").value == "2019/20"
    bars = plotly_specs(at)[0]
    assert sorted(y for t in bars["data"] for y in t["y"]) == ["Buckinghamshire", "Oxfordshire", "Worcestershire"]
    text = all_text(at)
    assert "No data in" not in text
    assert "England has a later period than the chosen areas: 2023/24" in text
    # with one area, the same period as its scorecard
    at = run_page("scorecard", details="true", area=WORCS)
    assert _row(at, "homelessness_drug_need")["Period"] == "2019/20"


def test_compare_and_map_open_on_the_scorecards_period_for_worcestershire():
    at = run_page("compare", metric="numbers_in_treatment", areas=[WORCS], real="true")
    assert at.selectbox(key="period").value == "2022/23"
    at = run_page("map", metric="drug_misuse_deaths", real="true")
    assert at.selectbox(key="period").value == "2022 - 24"  # the labelled areas' latest, as on their scorecards
    # and the comparable series behind it is named (item 5)
    assert (
        "Only 3 of 153 authorities have a figure for 2022 - 24. The latest period the labelled areas were compared "
        "with England in is 2019 - 21"
    ) in all_text(at)


# ---- item 8: the joint CDP shows its members' own figures and draws them
def test_cdp_scorecard_shows_each_members_figure_beside_the_reason():
    at = run_page("scorecard", details="true", area=CDP)
    row = _row(at, "drug_misuse_deaths")
    assert row["Value"].startswith("Not aggregated: a directly standardised rate cannot be aggregated")
    assert row["Members"] == (
        "Herefordshire, County of: 6.3 per 100,000 (2019-21); Worcestershire: 4.8 per 100,000 (2022-24)"
    )
    # a footprint figure that could be computed needs no members beside it
    assert all(
        r["Members"] == ""
        for _, r in pd.concat([f for f in frames(at) if "Members" in f.columns]).iterrows()
        if not str(r["Value"]).startswith(("Not ", "No "))
    )
    summary = _summary(run_page("scorecard", area=CDP))
    assert "Members&#x27; own figures:" in summary or "Members' own figures:" in summary
    assert "Worcestershire: 4.8 per 100,000 (2022-24)" in summary
    assert CDP not in all_text(at) and CDP not in summary  # shown by its name


def test_cdp_trends_draw_the_members_and_no_legend_entry_without_a_line():
    at = run_page("trends", metric="drug_misuse_deaths", area=CDP)
    spec = plotly_specs(at)[0]
    names = [t["name"] for t in spec["data"]]
    assert "Herefordshire and Worcestershire CDP" not in names  # no value in any period: no line, no legend
    assert {"Herefordshire, County of", "Worcestershire", "England"} <= set(names)
    for t in spec["data"]:
        assert any(v is not None for v in t["y"]), t["name"]
    assert "Herefordshire and Worcestershire CDP has no figure of its own in any period" in all_text(
        at
    ) and "are drawn with their own figures" in all_text(at)


def test_cdp_scorecard_real_only_names_the_member_without_a_published_figure():
    at = run_page("scorecard", details="true", area=CDP, real="true")
    row = _row(at, "numbers_in_treatment")
    assert row["Value"] == "Not available: Herefordshire, County of has no published figure"
    assert row["Members"] == "Herefordshire, County of: no figure; Worcestershire: 2,006 (2022/23)"
    assert row["Period"] == ""  # the members' figures carry their own periods, not England's
    # no member with a figure: no members' line to read
    assert _row(at, "drug_hospital_admissions")["Members"] == ""


def test_compare_shows_a_footprints_members_beside_it_where_it_has_no_figure():
    at = run_page("compare", metric="drug_misuse_deaths", areas=[CDP], real="true", period="2019 - 21")
    bars = {y: x for t in plotly_specs(at)[0]["data"] if t["type"] == "bar" for y, x in zip(t["y"], t["x"])}
    assert bars["Worcestershire"] == 4.8 and bars["Herefordshire, County of"] == 6.3
    assert bars["Herefordshire and Worcestershire CDP"] is None  # its bar is the reason, said below
    text = all_text(at).replace("\\", "")
    assert "Herefordshire and Worcestershire CDP has no figure of its own in 2019 - 21: its members" in text
    assert "Suppressed or missing: Herefordshire and Worcestershire CDP: Not aggregated" in text
