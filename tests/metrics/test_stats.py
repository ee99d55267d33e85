"""Tests of metrics.stats against the published formulas, independent computations and hand-checked numbers."""

from __future__ import annotations

import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from metrics import stats as S
from tests.support.series import trend_points

REPO = Path(__file__).resolve().parents[2]
ALPHA95 = 0.05
ALPHA998 = 0.002


# ----------------------------------------------------------------------------------------------------------------
# z values
# ----------------------------------------------------------------------------------------------------------------


def test_z_constants_and_other_levels():
    assert S.z_for(0.95) == S.Z95 == 1.959964
    assert S.z_for(0.998) == S.Z998 == 3.090232
    assert S.z_for(95) == S.Z95  # percentages accepted, as PHEindicatormethods
    assert S.z_for(0.99) == pytest.approx(sps.norm.ppf(0.995), rel=1e-12)
    assert S.z_for(0.9) == pytest.approx(1.644854, rel=1e-6)
    with pytest.raises(ValueError):
        S.z_for(0)


# ----------------------------------------------------------------------------------------------------------------
# Wilson
# ----------------------------------------------------------------------------------------------------------------


def _wilson_by_hand(o: float, n: float, z: float) -> tuple[float, float]:
    q = 1 - o / n
    root = z * math.sqrt(z * z + 4 * o * q)
    return (2 * o + z * z - root) / (2 * (n + z * z)), (2 * o + z * z + root) / (2 * (n + z * z))


WILSON_GRID = [
    (o, n)
    for n in (1, 5, 9, 10, 11, 50, 100, 1000, 305118)
    for o in sorted({0, 1, 2, 3, 5, 9, 10, n // 2, n - 1, n})
    if 0 <= o <= n
]


@pytest.mark.parametrize("o,n", WILSON_GRID)
def test_wilson_matches_scipy_and_formula(o, n):
    lower, upper = S.wilson_ci(o, n)
    ref = sps.binomtest(o, n).proportion_ci(confidence_level=0.95, method="wilson")
    # scipy uses the exact z (1.95996398...), the project the published 1.959964: agree to ~1e-8
    assert lower == pytest.approx(ref.low, rel=1e-6, abs=1e-9)
    assert upper == pytest.approx(ref.high, rel=1e-6, abs=1e-9)
    hand = _wilson_by_hand(o, n, S.Z95)
    assert lower == pytest.approx(max(hand[0], 0.0), rel=1e-12, abs=1e-15)
    assert upper == pytest.approx(min(hand[1], 1.0), rel=1e-12, abs=1e-15)
    lo998, up998 = S.wilson_ci(o, n, 0.998)
    ref998 = sps.binomtest(o, n).proportion_ci(confidence_level=0.998, method="wilson")
    assert lo998 == pytest.approx(ref998.low, rel=1e-6, abs=1e-9)
    assert up998 == pytest.approx(ref998.high, rel=1e-6, abs=1e-9)


def test_wilson_hand_checked_and_edges():
    # 5 of 10: the textbook Wilson interval 0.2366 - 0.7634
    lo, up = S.wilson_ci(5, 10)
    assert (round(lo, 4), round(up, 4)) == (0.2366, 0.7634)
    # 0 of 10 -> lower exactly 0; 10 of 10 -> upper exactly 1 (and 0.2775 / 0.7225 on the other side)
    assert S.wilson_ci(0, 10) == (0.0, pytest.approx(0.277533, abs=1e-6))
    assert S.wilson_ci(10, 10) == (pytest.approx(0.722467, abs=1e-6), 1.0)
    assert isinstance(S.wilson_ci(1, 2)[0], float)


def test_wilson_vector_reports_missing_and_errors_without_raising():
    counts = pd.Series([5, None, -3, 12, 0, 10], dtype="Float64")
    dens = [10, 10, 10, 10, 0, 10]
    lower, upper = S.wilson_ci(counts, dens)
    assert isinstance(lower, np.ndarray) and lower.shape == (6,)
    assert lower[0] == pytest.approx(0.236593, abs=1e-6)
    assert np.isnan(lower[1:5]).all() and np.isnan(upper[1:5]).all()
    assert upper[5] == 1.0
    errors = S.row_errors(counts, dens, "proportion")
    assert list(errors) == [
        None,
        None,
        "count is negative (-3); a count cannot be below 0",
        "count (12) is greater than the denominator (10); a proportion cannot be above 1",
        "denominator is 0; a denominator must be above 0",
        None,
    ]


def test_scalar_calls_raise_invalid_input():
    with pytest.raises(S.InvalidInput, match=r"count is negative \(-3\); a count cannot be below 0"):
        S.wilson_ci(-3, 10)
    with pytest.raises(S.InvalidInput, match="greater than the denominator"):
        S.wilson_ci(11, 10)
    with pytest.raises(S.InvalidInput, match="denominator is 0"):
        S.wilson_ci(0, 0)
    with pytest.raises(S.InvalidInput, match="count is negative"):
        S.byars_ci(-1)
    with pytest.raises(S.InvalidInput, match="denominator is -5"):
        S.rate_ci(3, -5)
    assert issubclass(S.InvalidInput, ValueError)
    # missing scalars are not errors
    assert all(math.isnan(x) for x in S.wilson_ci(None, 10))
    assert all(math.isnan(x) for x in S.byars_ci(float("nan")))


def test_row_errors_rules():
    # count above denominator is only an error for proportions; denominators are not checked for counts
    assert list(S.row_errors([12, 12, 5], [10, 10, 0], ["crude_rate", "proportion", "count"])) == [
        None,
        "count (12) is greater than the denominator (10); a proportion cannot be above 1",
        None,
    ]
    assert list(S.row_errors([4018.333333], [-1.5], "proportion")) == [
        "denominator is -1.5; a denominator must be above 0"
    ]
    assert list(S.row_errors([None, 3], [None, None], "proportion")) == [None, None]
    with pytest.raises(ValueError):
        S.row_errors([1], [2], "ratio")


# ----------------------------------------------------------------------------------------------------------------
# Byar's / exact Poisson, rates
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("o", range(0, 10))
@pytest.mark.parametrize("confidence,alpha", [(0.95, ALPHA95), (0.998, ALPHA998)])
def test_exact_poisson_below_10(o, confidence, alpha):
    lower, upper = S.byars_ci(o, confidence)
    # independent: the Garwood interval through the gamma distribution
    exp_lower = 0.0 if o == 0 else sps.gamma.ppf(alpha / 2, o)
    exp_upper = sps.gamma.ppf(1 - alpha / 2, o + 1)
    assert lower == pytest.approx(exp_lower, rel=1e-9, abs=1e-12)
    assert upper == pytest.approx(exp_upper, rel=1e-9)
    assert lower == pytest.approx(0.0 if o == 0 else sps.chi2.ppf(alpha / 2, 2 * o) / 2, rel=1e-12)


@pytest.mark.parametrize("o", [10, 11, 25, 60, 100, 1000, 123456, 10**7])
def test_byars_from_10(o):
    z = S.Z95
    lower, upper = S.byars_ci(o)
    assert lower == pytest.approx(o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3, rel=1e-12)
    assert upper == pytest.approx((o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3, rel=1e-12)
    # Byar's approximates the exact interval closely from 10 upwards
    assert lower == pytest.approx(sps.gamma.ppf(0.025, o), rel=0.01)
    assert upper == pytest.approx(sps.gamma.ppf(0.975, o + 1), rel=0.01)


def test_byars_hand_checked():
    assert S.byars_ci(0) == (0.0, pytest.approx(3.688879, abs=1e-6))
    assert S.byars_ci(1) == (pytest.approx(0.025318, abs=1e-6), pytest.approx(5.571643, abs=1e-6))
    assert S.byars_ci(10) == (pytest.approx(4.787450, abs=1e-6), pytest.approx(18.391459, abs=1e-6))
    assert S.byars_ci(60) == (pytest.approx(45.783759, abs=1e-6), pytest.approx(77.233224, abs=1e-6))
    lower, upper = S.byars_ci(np.array([0, 9, 10, -1, np.nan]))
    assert lower[0] == 0 and np.isnan(lower[3:]).all() and np.isnan(upper[3:]).all()


def test_rate_ci():
    lower, upper = S.rate_ci(60, 200_000, 100_000)
    blo, bup = S.byars_ci(60)
    assert lower == pytest.approx(blo / 200_000 * 100_000)
    assert upper == pytest.approx(bup / 200_000 * 100_000)
    lo, up = S.rate_ci([5, 60, -1, 7], [1000, 200_000, 10, 0], multiplier=1000)
    assert lo[0] == pytest.approx(S.byars_ci(5)[0] / 1000 * 1000)
    assert lo[1] == pytest.approx(lower / 100)
    assert np.isnan(lo[2:]).all() and np.isnan(up[2:]).all()


# ----------------------------------------------------------------------------------------------------------------
# Properties (hypothesis)
# ----------------------------------------------------------------------------------------------------------------


@st.composite
def count_and_denominator(draw):
    n = draw(st.integers(min_value=1, max_value=2_000_000))
    o = draw(st.integers(min_value=0, max_value=n))
    return o, n


@given(count_and_denominator())
def test_wilson_properties(on):
    o, n = on
    lo95, up95 = S.wilson_ci(o, n)
    lo998, up998 = S.wilson_ci(o, n, 0.998)
    p = o / n
    assert 0.0 <= lo998 <= lo95 <= p + 1e-12
    assert p - 1e-12 <= up95 <= up998 <= 1.0


@given(st.integers(1, 100_000), st.data())
def test_wilson_monotonic_in_count(n, data):
    a = data.draw(st.integers(0, n - 1))
    b = data.draw(st.integers(a + 1, n))
    la, ua = S.wilson_ci(a, n)
    lb, ub = S.wilson_ci(b, n)
    assert la <= lb and ua <= ub


@given(st.one_of(st.integers(0, 50), st.integers(0, 10**8)))
def test_byars_properties(o):
    lo95, up95 = S.byars_ci(o)
    lo998, up998 = S.byars_ci(o, 0.998)
    assert 0.0 <= lo998 <= lo95 <= o <= up95 <= up998


@given(st.integers(0, 10**6), st.integers(1, 1000))
def test_byars_monotonic_in_count(a, step):
    for conf in (0.95, 0.998):
        la, ua = S.byars_ci(a, conf)
        lb, ub = S.byars_ci(a + step, conf)
        assert la <= lb and ua <= ub


def test_byars_monotonic_across_the_exact_boundary():
    counts = np.arange(0, 200)
    for conf in (0.95, 0.998):
        lo, up = S.byars_ci(counts, conf)
        assert np.all(np.diff(lo) > 0) and np.all(np.diff(up) > 0)


@given(st.integers(0, 10**6), st.floats(1, 1e8), st.sampled_from([100, 1000, 100_000]))
def test_rate_properties(o, n, mult):
    lo95, up95 = S.rate_ci(o, n, mult)
    lo998, up998 = S.rate_ci(o, n, mult, 0.998)
    rate = o / n * mult
    assert lo998 <= lo95 <= rate * (1 + 1e-12) and rate <= up95 <= up998


# ----------------------------------------------------------------------------------------------------------------
# DSR
# ----------------------------------------------------------------------------------------------------------------


def test_esp2013_reference_file():
    esp = S.esp2013()
    assert list(esp.columns) == ["age_band", "standard_population"]
    assert len(esp) == 19 and esp["standard_population"].sum() == 100_000
    assert esp["age_band"].iloc[0] == "0-4" and esp["age_band"].iloc[-1] == "90+"
    assert list(esp["standard_population"]) == [
        5000,
        5500,
        5500,
        5500,
        6000,
        6000,
        6500,
        7000,
        7000,
        7000,
        7000,
        6500,
        6000,
        5500,
        5000,
        4000,
        2500,
        1500,
        1000,
    ]
    esp.loc[0, "standard_population"] = 0  # a copy: the cached table is untouched
    assert S.esp2013()["standard_population"].iloc[0] == 5000


def test_dsr_hand_worked():
    # Three bands, standard weights 1, 1, 2; every band has rate 1 per 100, so the DSR is 1,000 per 100,000.
    # var = (1*10/1000^2 + 1*20/2000^2 + 4*30/3000^2) / 4^2 = 1.7708333e-6 ; O = 60
    # Byar's for 60: 45.783759 - 77.233224
    # lower = 1000 + sqrt(1.7708333e-6 / 60) * (45.783759 - 60) * 100000 = 755.7706
    # upper = 1000 + sqrt(1.7708333e-6 / 60) * (77.233224 - 60) * 100000 = 1296.0600
    value, lower, upper = S.dsr([10, 20, 30], [1000, 2000, 3000], [1, 1, 2])
    assert value == pytest.approx(1000.0)
    assert lower == pytest.approx(755.7706, abs=1e-4)
    assert upper == pytest.approx(1296.0600, abs=1e-4)
    v998, l998, u998 = S.dsr([10, 20, 30], [1000, 2000, 3000], [1, 1, 2], confidence=0.998)
    assert v998 == value and l998 < lower and u998 > upper


def test_dsr_with_esp2013_and_age_structure():
    esp = S.esp2013()["standard_population"].to_numpy()
    pops = np.linspace(20_000, 2_000, 19)
    # the same rate (50 per 100,000) in every band -> the DSR is that rate whatever the weights
    value, lower, upper = S.dsr(pops * 0.0005, pops, esp)
    assert value == pytest.approx(50.0)
    assert lower < 50 < upper
    # an older population with higher rates at older ages standardises differently from the crude rate
    rates = np.linspace(0.0001, 0.01, 19)
    counts = np.round(pops * rates)
    value, _, _ = S.dsr(counts, pops, esp)
    expected = float((esp * counts / pops).sum() / esp.sum() * 100_000)
    assert value == pytest.approx(expected)
    assert value != pytest.approx(counts.sum() / pops.sum() * 100_000, rel=0.01)


def test_dsr_small_total_and_missing():
    assert all(math.isnan(x) for x in S.dsr([3, 3, 3], [1000, 1000, 1000], [1, 1, 1]))  # total 9 < 10
    assert not math.isnan(S.dsr([3, 3, 4], [1000, 1000, 1000], [1, 1, 1])[0])  # total 10
    # a missing band count counts as 0 (PHEindicatormethods); a missing population gives NaN
    assert S.dsr([None, 20, 30], [1000, 2000, 3000], [1, 1, 2])[0] == pytest.approx(
        S.dsr([0, 20, 30], [1000, 2000, 3000], [1, 1, 2])[0]
    )
    assert all(math.isnan(x) for x in S.dsr([10, 20, 30], [1000, None, 3000], [1, 1, 2]))
    with pytest.raises(S.InvalidInput):
        S.dsr([10, -1, 30], [1000, 2000, 3000], [1, 1, 2])
    with pytest.raises(S.InvalidInput):
        S.dsr([10, 1, 30], [1000, 0, 3000], [1, 1, 2])
    with pytest.raises(ValueError):
        S.dsr([10, 1], [1000, 10, 3000], [1, 1, 2])


# ----------------------------------------------------------------------------------------------------------------
# Comparisons
# ----------------------------------------------------------------------------------------------------------------


def test_compare_campylobacter_example():
    england = 94.73
    assert S.compare(142.7, 119.4, 169.2, england, "lower_is_better") == "Worse"  # Hartlepool
    assert S.compare(110.4, 79.6, 149.2, england, "lower_is_better") == "Similar"  # Rutland
    assert S.compare(56.9, 44.5, 71.7, england, "lower_is_better") == "Better"  # Halton
    out = S.compare([142.7, 110.4, 56.9], [119.4, 79.6, 44.5], [169.2, 149.2, 71.7], england, "higher_is_better")
    assert list(out) == ["Better", "Similar", "Worse"]
    out = S.compare([142.7, 110.4, 56.9], [119.4, 79.6, 44.5], [169.2, 149.2, 71.7], england, "no_polarity")
    assert list(out) == ["Higher", "Similar", "Lower"]


def test_compare_inclusive_missing_self_and_polarity():
    # benchmark exactly on a limit -> Similar (inclusive)
    assert S.compare(10, 8, 12, 12, "lower_is_better") == "Similar"
    assert S.compare(10, 8, 12, 8, "lower_is_better") == "Similar"
    assert S.compare(10, 8, 12, 12.0001, "lower_is_better") == "Better"
    assert S.compare(None, 8, 12, 20, "lower_is_better") == "Not compared"
    assert S.compare(10, None, 12, 20, "lower_is_better") == "Not compared"
    assert S.compare(10, 8, 12, float("nan"), "lower_is_better") == "Not compared"
    assert S.compare(10, 8, 12, 20, "lower_is_better", is_benchmark_area=True) == "Not compared"
    out = S.compare(
        pd.Series([10.0, 10.0]),
        [8, 8],
        [12, 12],
        20,
        ["lower_is_better", "higher_is_better"],
        is_benchmark_area=[False, True],
    )
    assert list(out) == ["Better", "Not compared"]
    with pytest.raises(ValueError, match="unknown polarity"):
        S.compare(10, 8, 12, 20, "low")
    with pytest.raises(ValueError):
        S.compare([10], [8], [12], [20], [None])


def test_compare_two_level():
    bench = 100.0
    assert S.compare_two_level(80, 70, 90, 60, 101, bench, "lower_is_better") == "Better (95%)"
    assert S.compare_two_level(80, 70, 90, 65, 95, bench, "lower_is_better") == "Better (99.8%)"
    assert S.compare_two_level(120, 110, 130, 105, 140, bench, "lower_is_better") == "Worse (99.8%)"
    assert S.compare_two_level(120, 110, 130, 95, 140, bench, "lower_is_better") == "Worse (95%)"
    assert S.compare_two_level(120, 110, 130, 95, 140, bench, "higher_is_better") == "Better (95%)"
    assert S.compare_two_level(80, 70, 90, 65, 95, bench, "no_polarity") == "Lower (99.8%)"
    assert S.compare_two_level(101, 95, 105, 90, 110, bench, "no_polarity") == "Similar"
    assert S.compare_two_level(80, 70, 90, None, None, bench, "lower_is_better") == "Not compared"
    assert S.compare_two_level(80, 70, 90, 65, 95, bench, "lower_is_better", is_benchmark_area=True) == "Not compared"
    out = S.compare_two_level([80, 120], [70, 110], [90, 130], [65, 95], [95, 140], bench, "higher_is_better")
    assert list(out) == ["Worse (99.8%)", "Better (95%)"]


def test_compare_goal_rag():
    # higher is better, goal 75%
    assert S.compare_goal(80, 76, 84, 75, "higher_is_better") == "Green"
    assert S.compare_goal(75, 70, 80, 75, "higher_is_better") == "Green"  # meets exactly
    assert S.compare_goal(72, 68, 76, 75, "higher_is_better") == "Amber"  # misses, goal within the CI
    assert S.compare_goal(72, 68, 75, 75, "higher_is_better") == "Amber"  # inclusive
    assert S.compare_goal(60, 55, 65, 75, "higher_is_better") == "Red"
    assert S.compare_goal(60, None, None, 75, "higher_is_better") == "Red"  # no CI: by value
    assert S.compare_goal(80, None, None, 75, "higher_is_better") == "Green"
    # lower is better, goal 10
    assert S.compare_goal(9, 8, 12, 10, "lower_is_better") == "Green"
    assert S.compare_goal(11, 9, 13, 10, "lower_is_better") == "Amber"
    assert S.compare_goal(14, 12, 16, 10, "lower_is_better") == "Red"
    assert S.compare_goal(14, 12, 16, None, "lower_is_better") == "Not compared"
    assert S.compare_goal(14, 12, 16, 10, "no_polarity") == "Not compared"
    assert S.compare_goal(None, 12, 16, 10, "lower_is_better") == "Not compared"
    out = S.compare_goal([80, 72, 60], [76, 68, 55], [84, 76, 65], 75, "higher_is_better")
    assert list(out) == ["Green", "Amber", "Red"]
    assert "Amber" in S.compare_goal.__doc__ and "goal lies inside the 95% CI" in S.compare_goal.__doc__


# ----------------------------------------------------------------------------------------------------------------
# Recent trend
# ----------------------------------------------------------------------------------------------------------------


def _points(values, counts=None, dens=None, lowers=None, uppers=None, years=None, kind="financial_year"):
    k = len(values)
    years = years if years is not None else list(range(2015, 2015 + k))
    out = []
    for i in range(k):
        out.append(
            dict(
                value=values[i],
                lower=None if lowers is None else lowers[i],
                upper=None if uppers is None else uppers[i],
                count=None if counts is None else counts[i],
                denominator=None if dens is None else dens[i],
                start_year=years[i],
                period_kind=kind if isinstance(kind, str) else kind[i],
            )
        )
    return out


def _prop_points(counts, dens, **kw):
    values = [100 * c / d for c, d in zip(counts, dens)]
    return _points(values, counts=counts, dens=dens, **kw)


def test_trend_increasing_proportion():
    counts, dens = [400, 450, 500, 550, 600], [1000] * 5
    pts = _prop_points(counts, dens)
    assert S.recent_trend(pts, "proportion", "higher_is_better") == "Increasing and getting better"
    assert S.recent_trend(pts, "proportion", "lower_is_better") == "Increasing and getting worse"
    assert S.recent_trend(pts, "proportion", "no_polarity") == "Increasing"
    down = _prop_points(counts[::-1], dens)
    assert S.recent_trend(down, "proportion", "higher_is_better") == "Decreasing and getting worse"
    assert S.recent_trend(down, "proportion", "lower_is_better") == "Decreasing and getting better"
    assert S.recent_trend(down, "proportion", "no_polarity") == "Decreasing"


def test_chi_squared_for_trend_matches_cochran_armitage():
    counts = np.array([400, 430, 420, 470, 480.0])
    dens = np.array([1000, 1010, 990, 1020, 1000.0])
    t = np.arange(1, 6)
    big_n, p_bar = dens.sum(), counts.sum() / dens.sum()
    # Cochran-Armitage: [sum t (O - n p)]^2 / [p (1 - p) (sum n t^2 - (sum n t)^2 / N)]
    ca = (t * (counts - dens * p_bar)).sum() ** 2 / (
        p_bar * (1 - p_bar) * ((dens * t * t).sum() - (dens * t).sum() ** 2 / big_n)
    )
    chi, sign, _ = S.chi2_trend_core(counts[None, :], dens[None, :])
    assert chi[0] == pytest.approx(ca, rel=1e-9)
    assert sign[0] == 1
    assert ca > S.CHI2_TREND_THRESHOLD
    assert (
        S.recent_trend(_prop_points(list(counts), list(dens)), "proportion", "higher_is_better")
        == "Increasing and getting better"
    )


def test_weighted_least_squares_matches_numpy():
    y = np.array([50.0, 52.0, 55.0, 54.0, 60.0])
    lo = y - np.array([2.0, 3.0, 2.5, 2.0, 4.0])
    hi = y + np.array([2.0, 3.0, 2.5, 2.0, 4.0])
    se = (hi - lo) / 3.92
    coef, cov = np.polyfit(np.arange(1, 6), y, 1, w=1 / se, cov="unscaled")
    chi_ref = coef[0] ** 2 / cov[0, 0]
    chi, sign, _ = S.wls_trend_core(y[None, :], lo[None, :], hi[None, :])
    assert chi[0] == pytest.approx(chi_ref, rel=1e-9)
    assert sign[0] == 1
    expected = "Increasing and getting worse" if chi_ref > 9.5495 else "No significant change"
    assert S.recent_trend(_points(list(y), lowers=list(lo), uppers=list(hi)), "dsr", "lower_is_better") == expected


def test_trend_flat_series_no_significant_change():
    pts = _prop_points([500, 505, 495, 502, 498], [1000] * 5)
    assert S.recent_trend(pts, "proportion", "higher_is_better") == "No significant change"
    flat_rate = _points([100, 101, 99, 100, 100], lowers=[90, 91, 89, 90, 90], uppers=[110, 111, 109, 110, 110])
    assert S.recent_trend(flat_rate, "crude_rate", "lower_is_better") == "No significant change"


def test_trend_cannot_be_calculated_cases():
    counts, dens = [400, 450, 500, 550, 600], [1000] * 5
    assert (
        S.recent_trend(_prop_points(counts[:4], dens[:4]), "proportion", "higher_is_better") == "Cannot be calculated"
    )  # 4 points
    gap = _prop_points(counts, dens, years=[2014, 2015, 2016, 2018, 2019])
    assert S.recent_trend(gap, "proportion", "higher_is_better") == "Cannot be calculated"
    quarterly = _prop_points(counts, dens, kind="quarter")
    assert S.recent_trend(quarterly, "proportion", "higher_is_better") == "Cannot be calculated"
    for kind in ("rolling_12_months", "three_year_pooled"):  # five overlapping periods
        assert (
            S.recent_trend(_prop_points(counts, dens, kind=kind), "proportion", "higher_is_better")
            == "Cannot be calculated"
        )
    mixed = _prop_points(counts, dens, kind=["calendar_year"] + ["financial_year"] * 4)
    assert S.recent_trend(mixed, "proportion", "higher_is_better") == "Cannot be calculated"
    missing_value = _prop_points(counts, dens)
    missing_value[2]["value"] = None
    assert S.recent_trend(missing_value, "proportion", "higher_is_better") == "Cannot be calculated"
    # no counts and no CIs
    assert S.recent_trend(_points([1, 2, 3, 4, 5]), "crude_rate", "higher_is_better") == "Cannot be calculated"
    # a proportion without counts falls back to its CIs (WLS)
    with_ci = _points([40, 45, 50, 55, 60], lowers=[39, 44, 49, 54, 59], uppers=[41, 46, 51, 56, 61])
    assert S.recent_trend(with_ci, "proportion", "higher_is_better") == "Increasing and getting better"
    # calendar years work too
    cal = _prop_points(counts, dens, kind="calendar_year")
    assert S.recent_trend(cal, "proportion", "higher_is_better") == "Increasing and getting better"


def test_trend_uses_the_most_recent_five_points():
    # an old gap and old quarter do not matter; the last five are consecutive annual points
    pts = _prop_points(
        [100, 900, 400, 450, 500, 550, 600],
        [1000] * 7,
        years=[2005, 2008, 2010, 2011, 2012, 2013, 2014],
        kind=["quarter", "financial_year"] + ["financial_year"] * 5,
    )
    assert S.recent_trend(pts, "proportion", "higher_is_better") == "Increasing and getting better"
    # ...but a gap inside the last five does
    pts[-1]["start_year"] = 2015
    assert S.recent_trend(pts, "proportion", "higher_is_better") == "Cannot be calculated"


def test_trend_sign_stability_rule_with_one_outlier():
    # Four points drifting down, then one very precise outlier far above: the full slope is positive and hugely
    # "significant", but dropping the outlier gives a negative slope -> not a trend.
    y = [10.0, 9.9, 9.8, 9.7, 30.0]
    lo = [v - 0.1 for v in y]
    hi = [v + 0.1 for v in y]
    se = (np.array(hi) - np.array(lo)) / 3.92
    coef, cov = np.polyfit(np.arange(1, 6), y, 1, w=1 / se, cov="unscaled")
    assert coef[0] > 0 and coef[0] ** 2 / cov[0, 0] > S.CHI2_TREND_THRESHOLD  # significant by chi2 alone
    assert np.polyfit(np.arange(1, 5), y[:4], 1)[0] < 0  # flips without the outlier
    assert S.recent_trend(_points(y, lowers=lo, uppers=hi), "crude_rate", "higher_is_better") == "No significant change"
    # the same without the outlier's pull is a real trend
    y2 = [10.0, 15.0, 20.0, 25.0, 30.0]
    assert (
        S.recent_trend(
            _points(y2, lowers=[v - 0.1 for v in y2], uppers=[v + 0.1 for v in y2]), "crude_rate", "higher_is_better"
        )
        == "Increasing and getting better"
    )
    # chi-squared version: proportions falling then one big jump
    counts, dens = [500, 495, 490, 485, 900], [1000] * 5
    chi, sign, loo = S.chi2_trend_core(np.array([counts], float), np.array([dens], float))
    assert chi[0] > S.CHI2_TREND_THRESHOLD and sign[0] == 1 and loo[0, 4] == -1
    assert S.recent_trend(_prop_points(counts, dens), "proportion", "higher_is_better") == "No significant change"


def test_trend_rejects_unknown_vocabulary():
    pts = _prop_points([400, 450, 500, 550, 600], [1000] * 5)
    with pytest.raises(ValueError):
        S.recent_trend(pts, "proportion", "up")
    with pytest.raises(ValueError):
        S.recent_trend(pts, "ratio", "higher_is_better")


# ---- vectorised trend ------------------------------------------------------------------------------------------


def _random_frame(rng: np.random.Generator, n_series: int) -> pd.DataFrame:
    rows = []
    for sid in range(n_series):
        length = int(rng.integers(1, 12))
        start = int(rng.integers(2000, 2015))
        years = start + np.arange(length)
        if rng.random() < 0.3:  # a gap
            cut = int(rng.integers(0, length))
            years[cut:] += int(rng.integers(1, 3))
        if rng.random() < 0.05 and length > 1:  # a duplicated year (bad data)
            years[-1] = years[-2]
        kind = rng.choice(
            ["financial_year", "calendar_year", "quarter", "rolling_12_months", "three_year_pooled"],
            p=[0.6, 0.25, 0.05, 0.05, 0.05],
        )
        vt = rng.choice(["proportion", "crude_rate", "dsr", "count"], p=[0.5, 0.2, 0.2, 0.1])
        pol = rng.choice(["lower_is_better", "higher_is_better", "no_polarity"])
        shape = rng.choice(["up", "down", "flat", "noise", "outlier"])
        base = rng.uniform(0.1, 0.6)
        slope = {"up": 0.04, "down": -0.04, "flat": 0.0, "noise": 0.0, "outlier": -0.005}[shape]
        den = rng.integers(200, 5000, size=length).astype(float)
        p = np.clip(
            base + slope * np.arange(length) + rng.normal(0, 0.01 if shape != "noise" else 0.05, length), 0.001, 0.999
        )
        if shape == "outlier":
            p[-1] = min(0.999, p[-1] + 0.3)
        cnt = np.round(p * den)
        value = cnt / den * 100
        half = rng.uniform(0.2, 6.0, length)
        lower, upper = value - half, value + half
        for i in range(length):
            r = dict(
                series_id=f"s{sid}",
                start_year=int(years[i]),
                period_kind=str(kind),
                value=value[i],
                lower95=lower[i],
                upper95=upper[i],
                count=cnt[i],
                denominator=den[i],
                value_type=str(vt),
                polarity=str(pol),
            )
            u = rng.random()
            if u < 0.03:
                r["value"] = np.nan
            elif u < 0.08:
                r["count"] = np.nan
            elif u < 0.12:
                r["lower95"] = np.nan
            elif u < 0.13:
                r["start_year"] = np.nan
            rows.append(r)
    df = pd.DataFrame(rows)
    return df.sample(frac=1.0, random_state=int(rng.integers(0, 2**31))).reset_index(drop=True)


def _trend_by_loop(df: pd.DataFrame) -> pd.Series:
    """Reference: recent_trend on every row's prefix of its own series (oldest -> newest)."""
    out = pd.Series(index=df.index, dtype=object)
    ordered = df.sort_values(["series_id", "start_year"], kind="stable", na_position="last")
    for _, g in ordered.groupby("series_id", sort=False):
        recs = trend_points(g)
        for i, idx in enumerate(g.index):
            out[idx] = S.recent_trend(recs[: i + 1], g["value_type"].iloc[0], g["polarity"].iloc[0])
    return out


def test_trend_for_frame_agrees_with_recent_trend_seeded():
    rng = np.random.default_rng(20240601)
    df = _random_frame(rng, 400)
    got = S.trend_for_frame(df)
    expected = _trend_by_loop(df)
    assert got.index.equals(df.index)
    mismatches = df.assign(got=got, expected=expected).query("got != expected")
    assert mismatches.empty, mismatches.head(10).to_string()
    labels = set(got)
    # the random mix exercises every outcome
    assert {"Cannot be calculated", "No significant change"} <= labels
    assert {
        "Increasing and getting better",
        "Increasing and getting worse",
        "Decreasing and getting better",
        "Decreasing and getting worse",
        "Increasing",
        "Decreasing",
    } <= labels


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(1, 25))
def test_trend_for_frame_agrees_with_recent_trend_hypothesis(seed, n_series):
    df = _random_frame(np.random.default_rng(seed), n_series)
    pd.testing.assert_series_equal(S.trend_for_frame(df), _trend_by_loop(df), check_names=False, check_dtype=False)


def test_trend_for_frame_edge_cases():
    empty = pd.DataFrame(columns=list(S.TREND_COLUMNS))
    assert S.trend_for_frame(empty).empty
    with pytest.raises(KeyError):
        S.trend_for_frame(pd.DataFrame({"series_id": [1]}))
    # nullable dtypes and a non-default index
    df = pd.DataFrame(
        dict(
            series_id=["a"] * 6,
            start_year=pd.array(range(2010, 2016), dtype="Int64"),
            period_kind="calendar_year",
            value=pd.array([40, 45, 50, 55, 60, 65], dtype="Float64"),
            lower95=pd.NA,
            upper95=pd.NA,
            count=pd.array([400, 450, 500, 550, 600, 650], dtype="Int64"),
            denominator=1000,
            value_type="proportion",
            polarity="higher_is_better",
        ),
        index=list("uvwxyz"),
    )
    got = S.trend_for_frame(df.iloc[::-1])
    assert got.index.tolist() == list("zyxwvu")
    assert (got[["u", "v", "w", "x"]] == "Cannot be calculated").all()
    assert (got[["y", "z"]] == "Increasing and getting better").all()


def _big_frame(n_series: int = 6000, years: int = 10) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    sid = np.repeat(np.arange(n_series), years)
    yr = np.tile(np.arange(2010, 2010 + years), n_series)
    den = rng.integers(500, 5000, sid.size).astype(float)
    cnt = np.round(den * rng.uniform(0.2, 0.6, sid.size))
    val = cnt / den * 100
    df = pd.DataFrame(
        dict(
            series_id=sid.astype(str),
            start_year=yr,
            period_kind="financial_year",
            value=val,
            lower95=val - 2,
            upper95=val + 2,
            count=cnt,
            denominator=den,
            value_type=np.where(sid % 2 == 0, "proportion", "crude_rate"),
            polarity=np.where(sid % 3 == 0, "lower_is_better", "higher_is_better"),
        )
    )
    return df.sample(frac=1.0, random_state=1)


def test_trend_for_frame_is_fast_on_60k_rows():
    df = _big_frame()
    assert len(df) == 60_000
    S.trend_for_frame(df.head(100))  # warm imports
    t0 = time.perf_counter()
    out = S.trend_for_frame(df)
    elapsed = time.perf_counter() - t0
    assert len(out) == 60_000 and out.notna().all()
    assert elapsed < 1.0, f"trend_for_frame took {elapsed:.3f}s on 60,000 rows"


# ----------------------------------------------------------------------------------------------------------------
# Quintiles and spine charts
# ----------------------------------------------------------------------------------------------------------------


def test_quintiles_phe_rule():
    vals = np.arange(1.0, 11.0)
    assert list(S.quintiles(vals, "lower_is_better")) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert list(S.quintiles(vals, "no_polarity")) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert list(S.quintiles(vals, "higher_is_better")) == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    # N = 7: floor(6 - ceil((8 - rank) / 1.4)) -> 1, 1, 2, 3, 3, 4, 5 (worked by hand)
    assert list(S.quintiles([7, 6, 5, 4, 3, 2, 1], "lower_is_better")) == [5, 4, 3, 3, 2, 1, 1]
    # ties share the minimum rank
    assert list(S.quintiles([1, 1, 1, 1, 1, 2], "lower_is_better")) == [1, 1, 1, 1, 1, 5]
    q = S.quintiles([3, None, 1, 2, 5, 4], "lower_is_better")
    assert np.isnan(q[1]) and list(q[[0, 2, 3, 4, 5]]) == [3, 1, 2, 5, 4]
    assert np.isnan(S.quintiles([1, 2, 3, 4, None], "lower_is_better")).all()  # fewer than 5 values
    with pytest.raises(ValueError):
        S.quintiles([1, 2, 3, 4, 5], "bad")


@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=5, max_size=200))
def test_quintiles_properties(values):
    q = S.quintiles(values, "lower_is_better")
    assert set(np.unique(q)) <= {1, 2, 3, 4, 5}
    v = np.array(values)
    order = np.argsort(v, kind="stable")
    assert np.all(np.diff(q[order]) >= 0)  # lower values never in a worse quintile
    qh = S.quintiles(values, "higher_is_better")
    assert np.all(np.diff(qh[order]) <= 0)


def test_quintile_labels():
    assert S.quintile_label(1, "lower_is_better") == "Best"
    assert list(S.quintile_label([1, 2, 3, 4, 5, np.nan], "higher_is_better")) == [
        "Best",
        "Better",
        "Middle",
        "Worse",
        "Worst",
        "Not compared",
    ]
    assert list(S.quintile_label([1, 2, 3, 4, 5], "no_polarity")) == ["Lowest", "Low", "Middle", "High", "Highest"]


def test_spine_stats_orientation():
    vals = [10, 20, 30, 40, 50, None]
    low = S.spine_stats(vals, "lower_is_better")
    assert low == {"worst": 50, "q25": 40, "q75": 20, "best": 10, "n": 5}
    high = S.spine_stats(vals, "higher_is_better")
    assert high == {"worst": 10, "q25": 20, "q75": 40, "best": 50, "n": 5}
    nop = S.spine_stats(vals, "no_polarity")
    assert nop == high
    # q25 lies between worst and q75, q75 between q25 and best
    for d in (low, high):
        assert min(d["worst"], d["q75"]) <= d["q25"] <= max(d["worst"], d["q75"])
        assert min(d["q25"], d["best"]) <= d["q75"] <= max(d["q25"], d["best"])


@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=4, max_size=100))
def test_spine_percentiles_match_linear_interpolation(values):
    d = S.spine_stats(values, "higher_is_better")
    assert d["q25"] == pytest.approx(np.percentile(values, 25), rel=1e-9, abs=1e-6)
    assert d["q75"] == pytest.approx(np.percentile(values, 75), rel=1e-9, abs=1e-6)
    lob = S.spine_stats(values, "lower_is_better")
    assert (lob["worst"], lob["q25"], lob["q75"], lob["best"]) == (d["best"], d["q75"], d["q25"], d["worst"])


def test_spine_stats_few_values():
    d = S.spine_stats([5, 1, 3], "lower_is_better")
    assert (d["worst"], d["best"], d["n"]) == (5, 1, 3) and math.isnan(d["q25"]) and math.isnan(d["q75"])
    d = S.spine_stats([None, np.nan], "lower_is_better")
    assert d["n"] == 0 and all(math.isnan(d[k]) for k in ("worst", "q25", "q75", "best"))


# ----------------------------------------------------------------------------------------------------------------
# Aggregation and limits_for_frame
# ----------------------------------------------------------------------------------------------------------------


def test_aggregate_proportion():
    r = S.aggregate([10, 20, None, 30], [100, 200, 300, None], "proportion", multiplier=100)
    assert (r.count, r.denominator, r.members_used, r.members_missing) == (30, 300, 2, 2)
    assert r.refused_reason is None
    assert r.value == pytest.approx(10.0)
    lo, up = S.wilson_ci(30, 300)
    assert (r.lower95, r.upper95) == (pytest.approx(lo * 100), pytest.approx(up * 100))
    lo, up = S.wilson_ci(30, 300, 0.998)
    assert (r.lower998, r.upper998) == (pytest.approx(lo * 100), pytest.approx(up * 100))
    assert (r.lower, r.upper) == (r.lower95, r.upper95)


def test_aggregate_rate_and_count():
    r = S.aggregate([40, 60], [100_000, 300_000], "crude_rate", multiplier=100_000)
    assert r.value == pytest.approx(25.0)
    lo, up = S.byars_ci(100)
    assert r.lower95 == pytest.approx(lo / 400_000 * 100_000) and r.upper95 == pytest.approx(up / 400_000 * 100_000)
    c = S.aggregate([3, 4, None], None, "count")
    assert (c.value, c.count, c.members_used, c.members_missing) == (7, 7, 2, 1)
    assert (c.lower95, c.upper95) == S.byars_ci(7)
    assert (c.lower998, c.upper998) == S.byars_ci(7, 0.998)


def test_aggregate_refusals():
    r = S.aggregate([10, 20], [100, 200], "dsr", multiplier=100_000)
    assert r.refused_reason == S.DSR_NOT_AGGREGATABLE and math.isnan(r.value)
    assert "cannot be aggregated" in r.refused_reason
    r = S.aggregate([None, 5], [100, None], "proportion", 100)
    assert r.refused_reason == "no member area has both a count and a denominator" and math.isnan(r.lower95)
    r = S.aggregate([10, -2], [100, 200], "proportion", 100)
    assert r.refused_reason == "count is negative (-2); a count cannot be below 0" and math.isnan(r.value)
    r = S.aggregate([10, 300], [100, 200], "proportion", 100)
    assert "greater than the denominator" in r.refused_reason
    with pytest.raises(ValueError):
        S.aggregate([1], [2], "mean")


def test_limits_for_frame_fills_only_what_is_missing():
    df = pd.DataFrame(
        {
            "value_type": [
                "proportion",
                "crude_rate",
                "count",
                "dsr",
                "proportion",
                "proportion",
                "crude_rate",
                "proportion",
            ],
            "multiplier": [100, 100_000, 1, 100_000, 100, 100, None, 100],
            "count": [30, 60, 7, 100, -1, 5, 10, None],
            "denominator": [300, 200_000, None, 1000, 10, 50, 1000, 10],
            "value": [None, 31.0, None, 12.3, None, 10.0, None, None],
            "lower95": [None, None, None, None, None, 1.0, None, None],
            "upper95": [None, None, None, None, None, None, None, None],
        },
        index=[10, 11, 12, 13, 14, 15, 16, 17],
    )
    out = S.limits_for_frame(df)
    assert list(out.columns) == ["value", "lower95", "upper95", "lower998", "upper998", "error"]
    assert out.index.equals(df.index)
    lo, up = S.wilson_ci(30, 300)
    lo8, up8 = S.wilson_ci(30, 300, 0.998)
    assert out.loc[10, ["value", "lower95", "upper95", "lower998", "upper998"]].tolist() == pytest.approx(
        [10.0, lo * 100, up * 100, lo8 * 100, up8 * 100]
    )
    # supplied value kept, limits computed
    blo, bup = S.rate_ci(60, 200_000, 100_000)
    assert out.loc[11, "value"] == 31.0
    assert (out.loc[11, "lower95"], out.loc[11, "upper95"]) == (pytest.approx(blo), pytest.approx(bup))
    # count without denominator
    assert out.loc[12, "value"] == 7 and (out.loc[12, "lower95"], out.loc[12, "upper95"]) == S.byars_ci(7)
    # dsr cannot be filled
    assert out.loc[13, "value"] == 12.3 and out.loc[13, ["lower95", "upper95", "lower998", "upper998"]].isna().all()
    # error row: message, nothing computed
    assert out.loc[14, "error"] == "count is negative (-1); a count cannot be below 0"
    assert out.loc[14, ["value", "lower95", "upper95"]].isna().all()
    # half-supplied 95% pair stays as supplied; the 99.8% pair is computed
    assert out.loc[15, "lower95"] == 1.0 and math.isnan(out.loc[15, "upper95"])
    assert out.loc[15, "lower998"] == pytest.approx(S.wilson_ci(5, 50, 0.998)[0] * 100)
    # missing multiplier for a rate: nothing computed
    assert out.loc[16, ["value", "lower95", "upper95"]].isna().all()
    # missing count: nothing computed, not an error
    assert out.loc[17, ["value", "lower95"]].isna().all() and out.loc[17, "error"] is None
    assert out["error"].isna().sum() == 7


# ----------------------------------------------------------------------------------------------------------------
# Packaging
# ----------------------------------------------------------------------------------------------------------------


def test_stats_does_not_import_streamlit():
    code = "import sys, metrics.stats; assert 'streamlit' not in sys.modules, 'streamlit imported'"
    res = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    source = "".join(p.read_text() for p in (REPO / "metrics" / "stats").glob("*.py"))
    assert "import streamlit" not in source and "from streamlit" not in source


def test_trend_for_frame_on_fewer_rows_than_a_window():
    df = pd.DataFrame(
        dict(
            series_id=["a"] * 3,
            start_year=[2010, 2011, 2012],
            period_kind="calendar_year",
            value=[1.0, 2.0, 3.0],
            lower95=0.5,
            upper95=4.0,
            count=np.nan,
            denominator=np.nan,
            value_type="crude_rate",
            polarity="no_polarity",
        )
    )
    assert (S.trend_for_frame(df) == "Cannot be calculated").all()


def test_trend_of_pooled_periods_uses_every_third_period():
    # 2007-09, 2010-12, 2013-15, 2016-18, 2019-21 share no year; the overlapping periods between them are skipped
    years = list(range(2005, 2020))
    counts = [300 + 25 * i for i in range(len(years))]
    pts = _prop_points(counts, [1000] * len(years), years=years, kind="three_year_pooled")
    rising = S.recent_trend(pts, "proportion", "higher_is_better")
    assert rising == "Increasing and getting better"
    # the overlapping neighbours do not matter: with them removed the answer is the same
    every_third = [p for p in pts if (p["start_year"] - 2019) % 3 == 0]
    assert [p["start_year"] for p in every_third[-5:]] == [2007, 2010, 2013, 2016, 2019]
    assert S.recent_trend(every_third, "proportion", "higher_is_better") == rising
    # a missing non-overlapping period (2013-15) breaks the run even though its neighbours are there
    gap = [p for p in pts if p["start_year"] != 2013]
    assert S.recent_trend(gap, "proportion", "higher_is_better") == "Cannot be calculated"
    # the vectorised form agrees row by row with the scalar form over the same points
    frame = pd.DataFrame(
        [
            dict(
                series_id="s",
                start_year=p["start_year"],
                period_kind=p["period_kind"],
                value=p["value"],
                lower95=p.get("lower"),
                upper95=p.get("upper"),
                count=p["count"],
                denominator=p["denominator"],
                value_type="proportion",
                polarity="higher_is_better",
            )
            for p in pts
        ]
    )
    vectorised = S.trend_for_frame(frame)
    for i in range(len(pts)):
        assert vectorised.iloc[i] == S.recent_trend(pts[: i + 1], "proportion", "higher_is_better")
    assert vectorised.iloc[-1] == rising
    assert (vectorised.iloc[:12] == "Cannot be calculated").all()  # fewer than five non-overlapping before 2017
