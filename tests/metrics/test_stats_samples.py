"""metrics.stats against real Fingertips downloads (indicators 93517 and 93532, copied into tests/fixtures).

Columns are read by name, never by position. Both indicators are "not in treatment" proportions: lower is better.
Their published CIs come from the prevalence model (not Wilson of Count/Denominator), so the comparison test uses
the published limits, as Fingertips does.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metrics import stats as S
from tests.support.series import trend_points

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fingertips"
SAMPLES = ["unmet_opiates.csv", "unmet_alcohol.csv"]
POLARITY = "lower_is_better"
ENGLAND = "E92000001"
COMPARED = "Compared to England value or percentiles"


def _read(name: str) -> pd.DataFrame:
    df = pd.read_csv(FIXTURES / name, dtype={"Area Code": str, "Time period": str, "Recent Trend": str, COMPARED: str})
    for col in (
        "Area Code",
        "Time period",
        "Value",
        "Lower CI 95.0 limit",
        "Upper CI 95.0 limit",
        "Count",
        "Denominator",
        "Recent Trend",
        COMPARED,
        "Time period Sortable",
    ):
        assert col in df.columns, f"{name} lacks column {col!r}"
    return df


def _start_year_and_kind(period: str) -> tuple[int, str]:
    m = re.fullmatch(r"(\d{4})/\d{2}", period.strip())
    if m:
        return int(m.group(1)), "financial_year"
    m = re.fullmatch(r"(\d{4})", period.strip())
    if m:
        return int(m.group(1)), "calendar_year"
    raise AssertionError(f"unexpected period {period!r} in the samples")


@pytest.fixture(params=SAMPLES)
def sample(request) -> pd.DataFrame:
    return _read(request.param)


def test_fixtures_are_local_copies():
    for name in SAMPLES:
        assert (FIXTURES / name).is_file()
        assert "shared" not in str(FIXTURES)


def test_comparisons_reproduce_published_verdicts(sample):
    england = sample[sample["Area Code"] == ENGLAND].set_index("Time period")["Value"]
    areas = sample[sample["Area Code"] != ENGLAND]
    published_rows = areas[areas[COMPARED] != "Not compared"]
    assert len(published_rows) >= 9  # the check is not vacuous
    benchmark = published_rows["Time period"].map(england)
    assert benchmark.notna().all()
    got = S.compare(
        published_rows["Value"],
        published_rows["Lower CI 95.0 limit"],
        published_rows["Upper CI 95.0 limit"],
        benchmark,
        POLARITY,
    )
    assert list(got) == list(published_rows[COMPARED])
    # scalar calls say the same, row by row
    for (_, row), bench in zip(published_rows.iterrows(), benchmark):
        verdict = S.compare(row["Value"], row["Lower CI 95.0 limit"], row["Upper CI 95.0 limit"], bench, POLARITY)
        assert verdict == row[COMPARED], f"{row['Area Name']} {row['Time period']}"
    # the samples include both verdicts seen in them
    assert {"Better", "Similar"} <= set(published_rows[COMPARED])


def test_rows_without_an_england_value_are_not_compared(sample):
    england = sample[sample["Area Code"] == ENGLAND].set_index("Time period")["Value"]
    areas = sample[sample["Area Code"] != ENGLAND]
    benchmark = areas["Time period"].map(england)
    no_bench = areas[benchmark.isna()]
    assert len(no_bench) > 0
    got = S.compare(
        no_bench["Value"],
        no_bench["Lower CI 95.0 limit"],
        no_bench["Upper CI 95.0 limit"],
        benchmark[benchmark.isna()],
        POLARITY,
    )
    assert (got == "Not compared").all()
    assert (no_bench[COMPARED] == "Not compared").all()


def test_england_is_never_compared_with_itself(sample):
    eng = sample[sample["Area Code"] == ENGLAND]
    assert len(eng) >= 2
    got = S.compare(
        eng["Value"],
        eng["Lower CI 95.0 limit"],
        eng["Upper CI 95.0 limit"],
        eng["Value"],
        POLARITY,
        is_benchmark_area=True,
    )
    assert (got == "Not compared").all()
    assert (eng[COMPARED] == "Not compared").all()
    # without the flag England's CI contains its own value, so it could only ever say "Similar" - never used
    assert (
        S.compare(eng["Value"], eng["Lower CI 95.0 limit"], eng["Upper CI 95.0 limit"], eng["Value"], POLARITY)
        == "Similar"
    ).all()


def _long_frame(df: pd.DataFrame) -> pd.DataFrame:
    years_kinds = df["Time period"].map(_start_year_and_kind)
    return pd.DataFrame(
        {
            "series_id": df["Area Code"],
            "start_year": [y for y, _ in years_kinds],
            "period_kind": [k for _, k in years_kinds],
            "value": df["Value"],
            "lower95": df["Lower CI 95.0 limit"],
            "upper95": df["Upper CI 95.0 limit"],
            "count": df["Count"],
            "denominator": df["Denominator"],
            "value_type": "proportion",
            "polarity": POLARITY,
        },
        index=df.index,
    )


def test_recent_trend_cannot_be_calculated_rows_agree(sample):
    published = sample[sample["Recent Trend"] == "Cannot be calculated"]
    assert len(published) >= 5
    long = _long_frame(sample)
    for idx, row in published.iterrows():
        series = long[long["series_id"] == row["Area Code"]].sort_values("start_year")
        series = series[series["start_year"] <= long.loc[idx, "start_year"]]
        assert len(series) < 5  # fewer than 5 points published so far: the reason Fingertips gives no trend
        points = trend_points(series)
        assert S.recent_trend(points, "proportion", POLARITY) == "Cannot be calculated"
    vectorised = S.trend_for_frame(long)
    assert (vectorised.loc[published.index] == "Cannot be calculated").all()
    # every row of these short series is "Cannot be calculated"
    assert (vectorised == "Cannot be calculated").all()


def test_limits_for_frame_keeps_published_values_and_limits(sample):
    # Published values and 95% limits are modelled estimates: never recomputed. The samples carry no 99.8% limits,
    # so those are filled from Count / Denominator with Wilson (x 100).
    frame = pd.DataFrame(
        {
            "value_type": "proportion",
            "multiplier": 100,
            "count": sample["Count"],
            "denominator": sample["Denominator"],
            "value": sample["Value"],
            "lower95": sample["Lower CI 95.0 limit"],
            "upper95": sample["Upper CI 95.0 limit"],
            "lower998": sample["Lower CI 99.8 limit"],
            "upper998": sample["Upper CI 99.8 limit"],
        }
    )
    out = S.limits_for_frame(frame)
    pd.testing.assert_series_equal(out["value"], sample["Value"], check_names=False)
    pd.testing.assert_series_equal(out["lower95"], sample["Lower CI 95.0 limit"], check_names=False)
    pd.testing.assert_series_equal(out["upper95"], sample["Upper CI 95.0 limit"], check_names=False)
    lo, up = S.wilson_ci(sample["Count"], sample["Denominator"], 0.998)
    np.testing.assert_allclose(out["lower998"], lo * 100)
    np.testing.assert_allclose(out["upper998"], up * 100)
    assert out["error"].isna().all()
