"""Issue 27 items 4, 5 and 7 on the real bundled figures: one rule of "latest" (an area's own newer figure is
shown), the latest comparable figure and trend kept beside a latest one that cannot be compared, and no interval
for a complete count."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from metrics import presentation as pr
from metrics.areas import ENGLAND_CODE
from metrics.catalogue import CatalogueError, default_catalogue, load_catalogue
from metrics.presentation.formats import period_words
from metrics.report.model import collect
from metrics.store import Store

WORCS, HEREFORD, CDP = "E10000034", "E06000019", "CDP0001"


@pytest.fixture(scope="module")
def latest(built_db) -> pd.DataFrame:
    with Store(built_db) as store:
        return store.latest_for_areas([WORCS, ENGLAND_CODE], default_catalogue().period_kinds())


def _row(latest: pd.DataFrame, key: str, area: str) -> pd.Series:
    return latest[(latest["metric_key"] == key) & (latest["area_code"] == area)].iloc[0]


# ---- item 4: an area's own newer figure is its latest, and every view takes the same period
def test_worcestershires_2022_23_adults_in_treatment_is_its_latest_though_england_stops_in_2021_22(latest):
    worcs = _row(latest, "numbers_in_treatment", WORCS)
    assert (worcs["period"], worcs["value"], bool(worcs["is_demo"])) == ("2022/23", 2006.0, False)
    assert _row(latest, "numbers_in_treatment", ENGLAND_CODE)["period"] == "2021/22"
    # compared with England only where England has the period: it has no 2022/23 figure
    assert pd.isna(worcs["england_value"]) and worcs["compared_to_england"] == "Not compared"


def test_the_scorecard_row_shows_2006_and_says_england_has_no_figure_for_that_year(built_db, latest):
    cat = default_catalogue()
    with Store(built_db) as store:
        sparks = store.sparklines(WORCS)
    rows = pr.scorecard_rows(
        cat.ordered(),
        WORCS,
        "utla",
        latest[latest["area_code"] == WORCS],
        latest[latest["area_code"] == ENGLAND_CODE],
        None,
        sparks,
    ).set_index("key")
    row = rows.loc["numbers_in_treatment"]
    assert (row["Period"], row["Value"], row["England"]) == ("2022/23", "2,006", "No 2022/23 figure")


def test_the_report_takes_the_scorecards_period_for_every_metric(built_db, latest):
    """Drug use (England and Wales only): 2019/20 on the scorecard and in the report (the year ending June 2022 is
    another kind of period, which the scorecard offers); adults in treatment: 2,006 in 2022/23 in both."""
    cat = default_catalogue()
    from metrics.areas import default_geography

    with Store(built_db) as store:
        model = collect(store, cat, default_geography(), WORCS)
    facts = {m.key: m for o in model.outcomes for m in o.metrics}
    for key in ("numbers_in_treatment", "drug_misuse_deaths", "continuity_of_care", "unmet_need_ocu"):
        # the same period; the report's table shows it in the pages' one style (2022-24 for "2022 - 24")
        assert facts[key].row["Period"] == period_words(_row(latest, key, WORCS)["period"]), key
    assert facts["numbers_in_treatment"].sentences[0].startswith("In 2022/23, the figure for Worcestershire was 2,006,")
    assert facts["drug_use_last_year"].row["Period"] == "2019/20"
    assert _row(latest, "drug_use_last_year", ENGLAND_CODE)["period"] == "2019/20"


def test_a_pages_default_period_is_the_areas_latest_by_the_same_rule(latest):
    assert pr.latest_period_of(latest[latest["area_code"] == WORCS], "numbers_in_treatment") == "2022/23"
    assert pr.latest_period_of(latest[latest["area_code"] == ENGLAND_CODE], "numbers_in_treatment") == "2021/22"
    assert pr.latest_period_of(latest[latest["area_code"] == WORCS], "drug_misuse_deaths") == "2022 - 24"
    # several areas: the latest period every one of them with a value has (the earliest of their latest)
    assert pr.latest_period_of(latest, "numbers_in_treatment") == "2021/22"
    assert pr.latest_period_of(latest, "no_such_metric") is None
    assert pr.latest_period_of(latest.iloc[0:0], "numbers_in_treatment") is None


# ---- item 5: the latest comparable figure and the latest trend stay beside a latest one without an interval
def test_the_ons_deaths_series_stays_beside_the_2022_24_figure_without_an_interval(latest):
    deaths = _row(latest, "drug_misuse_deaths", WORCS)
    assert (deaths["period"], deaths["value"]) == ("2022 - 24", 4.83)
    assert pd.isna(deaths["lower95"]) and deaths["compared_to_england"] == "Not compared"
    assert deaths["recent_trend"] == "Cannot be calculated"
    # the ONS 2019-21 figure, its interval, England's value and the verdict, and the trend to 2019-21
    assert (deaths["compared_period"], deaths["compared_value"]) == ("2019 - 21", 4.8)
    assert (deaths["compared_lower95"], deaths["compared_upper95"], deaths["compared_england_value"]) == (
        3.8,
        6.0,
        5.1,
    )
    assert deaths["compared_verdict"] == "Similar"
    assert (deaths["trend_period"], deaths["trend_verdict"]) == ("2019 - 21", "Increasing and getting worse")
    ind = default_catalogue().get("drug_misuse_deaths")
    assert pr.latest_compared_words(deaths, ind) == (
        "latest compared: 2019-21, 4.8 per 100,000 (3.8 to 6.0), Similar to England (5.1 per 100,000)"
    )
    assert pr.latest_trend_words(deaths) == "recent trend to 2019-21: increasing and getting worse"


def test_a_latest_figure_that_is_compared_gets_no_earlier_one(latest):
    england = _row(latest, "drug_misuse_deaths", ENGLAND_CODE)
    ind = default_catalogue().get("drug_misuse_deaths")
    assert pr.latest_compared_words(england, ind) == ""  # England is the benchmark: never compared
    fake = pd.Series({"period": "2019 - 21", "compared_period": "2019 - 21", "trend_period": "2019 - 21"})
    assert pr.latest_compared_words(fake, ind) == "" and pr.latest_trend_words(fake) == ""


def test_the_report_says_the_latest_compared_figure_and_trend_of_the_deaths(built_db):
    from metrics.areas import default_geography

    with Store(built_db) as store:
        model = collect(store, default_catalogue(), default_geography(), WORCS)
    deaths = next(m for o in model.outcomes for m in o.metrics if m.key == "drug_misuse_deaths")
    text = " ".join(deaths.sentences)
    assert "In 2022 - 24, the figure for Worcestershire was 4.8 per 100,000" in text
    assert "Latest compared: 2019-21, 4.8 per 100,000 (3.8 to 6.0), Similar to England (5.1 per 100,000)." in text
    assert "recent trend to 2019-21: increasing and getting worse" in text


# ---- item 7: a complete count has no interval, decided in the catalogue
def test_adults_in_treatment_2006_has_no_interval(latest):
    worcs = _row(latest, "numbers_in_treatment", WORCS)
    assert worcs["value"] == 2006 and worcs["count"] == 2006
    assert worcs[["lower95", "upper95", "lower998", "upper998"]].isna().all()
    england = _row(latest, "numbers_in_treatment", ENGLAND_CODE)
    assert england[["lower95", "upper95"]].isna().all()
    assert default_catalogue().get("numbers_in_treatment").ci_method == "none"


def test_no_complete_count_has_an_interval_anywhere(built_db):
    none = [i.key for i in default_catalogue().indicators if i.ci_method == "none"]
    assert {"numbers_in_treatment", "prison_treatment_numbers", "drug_offences"} <= set(none)
    with Store(built_db) as store:
        derived = store.derived_rows()
    rows = derived[derived["metric_key"].isin(none)]
    assert len(rows) > 1000  # demonstration series and aggregates too
    assert rows[["lower95", "upper95", "lower998", "upper998"]].isna().all().all()
    # a rate with Byar's interval keeps it
    byars = derived[(derived["metric_key"] == "drug_hospital_admissions") & derived["count"].notna()]
    assert len(byars) and byars["lower95"].notna().all()


def test_derive_drops_limits_a_file_gives_for_a_complete_count():
    from metrics.areas import default_geography
    from metrics.derive import derive_frame

    obs = pd.DataFrame(
        {
            "metric_key": ["numbers_in_treatment", "drug_hospital_admissions"],
            "area_code": [WORCS, WORCS],
            "period": ["2022/23", "2022/23"],
            "breakdown": ["Total", "Total"],
            "value": [2006.0, 40.0],
            "lower95": [1919.0, 30.0],
            "upper95": [2096.0, 50.0],
            "lower998": [None, None],
            "upper998": [None, None],
            "count": [2006.0, 200.0],
            "denominator": [None, 500000.0],
            "value_note": [None, None],
            "source": ["s", "s"],
            "is_demo": [False, False],
            "revision_id": [1, 1],
            "level": ["utla", "utla"],
            "region_code": ["E12000005", "E12000005"],
            "period_kind": ["financial_year", "financial_year"],
            "period_sortable": [20220000, 20220000],
            "start_year": [2022, 2022],
        }
    )
    out = derive_frame(obs, default_catalogue(), default_geography())
    out = out[out["area_code"] == WORCS].set_index("metric_key")
    assert out.loc["numbers_in_treatment", ["lower95", "upper95", "lower998", "upper998"]].isna().all()
    assert out.loc["numbers_in_treatment", "value"] == 2006
    # another metric's file limits are kept, its 99.8% limits filled from its counts
    assert (out.loc["drug_hospital_admissions", "lower95"], out.loc["drug_hospital_admissions", "upper95"]) == (30, 50)
    assert pd.notna(out.loc["drug_hospital_admissions", "lower998"])


def test_the_catalogue_refuses_an_interval_method_that_does_not_fit(tmp_path):
    from metrics.paths import CONFIG_DIR

    data = yaml.safe_load((CONFIG_DIR / "indicators.yaml").read_text(encoding="utf-8"))
    entry = next(i for i in data["indicators"] if i["key"] == "numbers_in_treatment")
    entry["ci_method"] = "wilson"
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(CatalogueError) as exc:
        load_catalogue(path, local_path=tmp_path / "none.yaml")
    assert "'numbers_in_treatment'" in str(exc.value)
    assert "ci_method 'wilson' does not fit a count: expected 'byars' or 'none'" in str(exc.value)
