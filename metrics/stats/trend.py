"""Fingertips' recent-trend markers: the chi-squared test for trend in proportions, weighted least squares for
other values, and the leave-one-out stability check, for one series or for every row of a long frame.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from metrics.stats.inputs import (
    CHI2_TREND_THRESHOLD,
    CI95_WIDTH_IN_SE,
    _floats,
    check_polarity,
    check_value_type,
    vocabulary_codes,
)
from metrics.vocabulary import (
    ANNUAL_PERIOD_KINDS,
    CANNOT_BE_CALCULATED,
    NO_SIGNIFICANT_CHANGE,
    POLARITIES,
    POOLED_PERIOD_KIND,
    TREND_LABEL_BY_DIRECTION,
    TREND_LABELS,
    VALUE_TYPES,
)

_T = np.arange(1.0, 6.0)
POOLED_STEP_YEARS = 3
TRENDED_PERIOD_KINDS = (*ANNUAL_PERIOD_KINDS, POOLED_PERIOD_KIND)


def _rowsum(x: np.ndarray) -> np.ndarray:
    """Sum over the last axis (length 5) in a fixed order, so a window sums the same alone or in a batch."""
    return (((x[..., 0] + x[..., 1]) + x[..., 2]) + x[..., 3]) + x[..., 4]


def _loo_sums(x: np.ndarray) -> np.ndarray:
    """(..., 5) -> (..., 5): column j is the sum of the other four columns (leave-one-out), in a fixed order."""
    cols = [x[..., k] for k in range(5)]
    out = []
    for j in range(5):
        keep = [cols[k] for k in range(5) if k != j]
        out.append(((keep[0] + keep[1]) + keep[2]) + keep[3])
    return np.stack(out, axis=-1)


def chi2_trend_core(o: np.ndarray, d: np.ndarray):
    """Chi-squared test for trend in proportions over t = 1..5 (rows of (m, 5) arrays).

    chi2 = N (N sum O_t t - sum O sum n_t t)^2 / (sum O (N - sum O) (N sum n_t t^2 - (sum n_t t)^2)), N = sum n.
    Returns chi2, the slope sign (sign of N sum O_t t - sum O sum n_t t) and the sign with each point dropped
    (the same numerator over the 4 remaining points at their original t).

    Reference: Armitage P, Berry G, Matthews JNS (2002) Statistical methods in medical research, 4th ed.,
    section 15.5 (chi-squared test for trend); OHID Fingertips technical guide "Recent trends".
    Edge cases: a window whose denominator is 0 (den <= 0) gives chi2 NaN, never significant.
    """
    t = _T
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        ot, dt, dtt = o * t, d * t, d * t * t
        n_tot, so = _rowsum(d), _rowsum(o)
        num = n_tot * _rowsum(ot) - so * _rowsum(dt)
        den = so * (n_tot - so) * (n_tot * _rowsum(dtt) - _rowsum(dt) ** 2)
        chi = np.where(den > 0, n_tot * num * num / den, np.nan)
        num4 = _loo_sums(d) * _loo_sums(ot) - _loo_sums(o) * _loo_sums(dt)
    return chi, np.sign(num), np.sign(num4)


def wls_trend_core(y: np.ndarray, lo: np.ndarray, hi: np.ndarray):
    """Weighted least squares of value on t = 1..5, weights 1/se^2, se = (UCL95 - LCL95)/3.92.

    beta = (S1 Syt - St Sy)/(S1 Stt - St^2), Var(beta) = S1/(S1 Stt - St^2), chi2 = beta^2 / Var(beta).
    Returns chi2, the slope sign and the sign with each point dropped (the 4 others at their original t).

    Reference: OHID Fingertips technical guide "Recent trends" (values without counts).
    Edge cases: a zero-width interval (UCL = LCL) gives an infinite weight and a NaN chi2, never significant.
    """
    t = _T
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        se = (hi - lo) / CI95_WIDTH_IN_SE
        w = 1.0 / (se * se)
        wt, wy = w * t, w * y
        wtt, wyt = wt * t, wy * t
        s1, st, stt, sy, syt = _rowsum(w), _rowsum(wt), _rowsum(wtt), _rowsum(wy), _rowsum(wyt)
        det = s1 * stt - st * st
        num = s1 * syt - st * sy
        beta = num / det
        var = s1 / det
        chi = beta * beta / var
        num4 = _loo_sums(w) * _loo_sums(wyt) - _loo_sums(wt) * _loo_sums(wy)
    return chi, np.sign(num), np.sign(num4)


_POLARITY_CODE = {p: i for i, p in enumerate(POLARITIES)}
# (polarity code, direction of a significant slope) -> label
_TREND_WORDS = {(_POLARITY_CODE[p], direction): label for (p, direction), label in TREND_LABEL_BY_DIRECTION.items()}
_TREND_LABELS = np.array(TREND_LABELS, dtype=object)


def trend_codes_of_windows(y, lo, hi, o, d, valid, is_prop, pol_code) -> np.ndarray:
    """Trend codes (indices into TREND_LABELS) for (m, 5) windows oldest -> newest that already passed the
    period checks (`valid`).

    Shared by `recent_trend` (one window) and `trend_for_frame` (one window per row), so both always agree.

    `valid` marks the windows that passed the period checks; `is_prop` and `pol_code` (index into
    POLARITIES) are per window.
    """
    with np.errstate(invalid="ignore"):
        valid = valid & np.all(np.isfinite(y), axis=-1)
        has_counts = (
            is_prop
            & np.all(np.isfinite(o), -1)
            & np.all(np.isfinite(d), -1)
            & np.all(d > 0, -1)
            & np.all(o >= 0, -1)
            & np.all(o <= d, -1)
        )
        has_ci = np.all(np.isfinite(lo), -1) & np.all(np.isfinite(hi), -1) & np.all(hi > lo, -1)
    use_chi = valid & has_counts
    use_wls = valid & ~has_counts & has_ci
    # Each statistic only on the windows that use it (row by row, so a window's result does not depend on which
    # others are computed with it).
    chi = np.full(use_chi.shape, np.nan)
    sign = np.zeros(use_chi.shape)
    loo = np.zeros(use_chi.shape + (5,))
    for use, core, args in ((use_chi, chi2_trend_core, (o, d)), (use_wls, wls_trend_core, (y, lo, hi))):
        if use.any():
            chi[use], sign[use], loo[use] = core(*(a[use] for a in args))
    stable = (sign != 0) & np.all(loo == sign[..., None], axis=-1)
    with np.errstate(invalid="ignore"):
        significant = (chi > CHI2_TREND_THRESHOLD) & stable
    out = np.full(y.shape[:-1], TREND_LABELS.index(CANNOT_BE_CALCULATED), dtype=np.int8)
    computed = use_chi | use_wls
    out[computed] = TREND_LABELS.index(NO_SIGNIFICANT_CHANGE)
    for (pc, direction), label in _TREND_WORDS.items():
        out[computed & significant & (pol_code == pc) & (sign == direction)] = TREND_LABELS.index(label)
    return out


def _kind(p: Mapping) -> Any:
    return p.get("period_kind") if isinstance(p, Mapping) else getattr(p, "period_kind", None)


def _get(p: Mapping, key: str) -> float:
    v = p.get(key) if isinstance(p, Mapping) else getattr(p, key, None)
    return float(_floats(v))


def recent_trend(points: Sequence[Mapping[str, Any]] | pd.DataFrame, value_type: str, polarity: str) -> str:
    """Fingertips' recent-trend marker for ONE series of points ordered oldest -> newest.

    Each point is a mapping with keys value, lower, upper, count, denominator, start_year (int) and period_kind.
    Rules:
      * the most recent 5 points are used; there must be at least 5, all of one annual, non-overlapping kind
        ("financial_year" or "calendar_year"), with consecutive start years (step 1) and a value each -
        otherwise "Cannot be calculated" (a gap, a quarter, a rolling period, a missing value);
      * three-year pooled periods overlap (2017-19 and 2018-20 share two years of events), so their trend uses
        the 5 most recent periods that do not overlap: the newest and every third one before it (2007-09,
        2010-12, 2013-15, 2016-18, 2019-21), start years 3 apart with none missing;
      * a proportion with count and denominator for all 5 points -> chi-squared test for trend;
        any other value type (or a proportion without counts) with 95% limits for all 5 points -> weighted
        least squares on t = 1..5 with se = (UCL - LCL)/3.92; neither -> "Cannot be calculated";
      * significant when chi2 > 9.5495 (p = 0.002) AND the slope keeps its sign when each of the 5 points is
        dropped in turn (the same statistic's slope recomputed on the 4 others, at their original t);
      * labels: "Increasing and getting better/worse", "Decreasing and getting better/worse" (by polarity),
        "Increasing" / "Decreasing" (no_polarity), "No significant change", "Cannot be calculated".

    Reference: OHID Fingertips technical guide "Recent trends" (chi-squared test for trend, Armitage 2002;
    p = 0.002 and the leave-one-out check against a single outlying point).
    """
    vt = str(check_value_type(value_type).item())
    pc = _POLARITY_CODE[str(check_polarity(polarity).item())]
    pts: list[Mapping[Any, Any]] = list(points.to_dict("records") if isinstance(points, pd.DataFrame) else points)
    if not pts:
        return CANNOT_BE_CALCULATED
    newest_kind = _kind(pts[-1])
    step = POOLED_STEP_YEARS if newest_kind == POOLED_PERIOD_KIND else 1
    if step > 1:
        # Overlapping pooled periods share their events, so only every third one (none overlapping) is used.
        newest = _get(pts[-1], "start_year")
        pts = [p for p in pts if _kind(p) != newest_kind or (_get(p, "start_year") - newest) % step == 0]
    if len(pts) < 5:
        return CANNOT_BE_CALCULATED
    last = pts[-5:]
    kinds = [_kind(p) for p in last]
    if kinds[-1] not in TRENDED_PERIOD_KINDS or any(k != kinds[-1] for k in kinds):
        return CANNOT_BE_CALCULATED
    years = np.array([_get(p, "start_year") for p in last])
    if not np.all(np.diff(years) == step):
        return CANNOT_BE_CALCULATED
    row = {k: np.array([[_get(p, k) for p in last]]) for k in ("value", "lower", "upper", "count", "denominator")}
    out = trend_codes_of_windows(
        row["value"],
        row["lower"],
        row["upper"],
        row["count"],
        row["denominator"],
        np.array([True]),
        np.array([vt == "proportion"]),
        np.array([pc]),
    )
    return TREND_LABELS[out[0]]


TREND_COLUMNS = (
    "series_id",
    "start_year",
    "period_kind",
    "value",
    "lower95",
    "upper95",
    "count",
    "denominator",
    "value_type",
    "polarity",
)
PERIOD_KIND_CODE = {"financial_year": 1, "calendar_year": 2, POOLED_PERIOD_KIND: 3}
POOLED_KIND_CODE = PERIOD_KIND_CODE[POOLED_PERIOD_KIND]


def trend_for_frame(df: pd.DataFrame) -> pd.Series:
    """Vectorised `recent_trend`: for every row, the trend of the 5 points of its series ending at that row.

    `df` is a long frame (any order) with columns series_id, start_year, period_kind, value, lower95, upper95,
    count, denominator, value_type, polarity. Rows are ordered by (series_id, start_year); each row's window is
    itself and the 4 rows before it in its series, judged exactly as `recent_trend` judges its last 5 points
    (same checks, same statistics - the statistics are shared code). Returns a Series of labels aligned to
    df.index. No Python loop per row: groupwise positions plus a sliding window over the sorted arrays.
    """
    missing = [c for c in TREND_COLUMNS if c not in df.columns]
    if missing:
        raise KeyError(f"trend_for_frame needs columns {', '.join(missing)}")
    n = len(df)
    if n == 0:
        return pd.Series([], index=df.index, dtype=object, name="recent_trend")
    vt_code = vocabulary_codes(df["value_type"], VALUE_TYPES, check_value_type)
    pol_code = vocabulary_codes(df["polarity"], POLARITIES, check_polarity)
    series = pd.factorize(df["series_id"], use_na_sentinel=True)[0]
    kind_codes, kind_uniques = pd.factorize(df["period_kind"], use_na_sentinel=True)
    kind = np.array([PERIOD_KIND_CODE.get(k, 0) for k in kind_uniques] + [0], dtype=np.int64)[kind_codes]
    codes = trend_codes(
        series,
        _floats(df["start_year"]),
        kind,
        _floats(df["value"]),
        _floats(df["lower95"]),
        _floats(df["upper95"]),
        _floats(df["count"]),
        _floats(df["denominator"]),
        vt_code == VALUE_TYPES.index("proportion"),
        pol_code,
    )
    out = _TREND_LABELS[codes]
    return pd.Series(out, index=df.index, name="recent_trend")


def trend_codes(
    series: np.ndarray,
    year: np.ndarray,
    kind: np.ndarray,
    value: np.ndarray,
    lower95: np.ndarray,
    upper95: np.ndarray,
    count: np.ndarray,
    denominator: np.ndarray,
    is_prop: np.ndarray,
    pol_code: np.ndarray,
) -> np.ndarray:
    """trend_for_frame on arrays: per row, the trend code (index into TREND_LABELS) of its window.

    `series` holds integer series codes (negative for none), `kind` 1 for financial_year, 2 for calendar_year,
    3 for three_year_pooled, 0 for any other period kind; `is_prop` and `pol_code` (index into POLARITIES) are per row.
    """
    n = len(series)
    # Pooled periods are trended over every third period (those that do not overlap): each start year modulo 3
    # is a strand of its own, whose points are 3 years apart.
    pooled = kind == POOLED_KIND_CODE
    gap = np.where(pooled, POOLED_STEP_YEARS, 1)
    with np.errstate(invalid="ignore"):
        strand = np.where(pooled, np.mod(year, POOLED_STEP_YEARS), 0.0)
    order = np.lexsort((year, strand, series))  # stable: ties keep their original order
    codes_s = series[order]
    year_s = year[order]
    kind_s = kind[order]
    strand_s = strand[order]

    # A row's window is itself and the 4 rows before it in the sorted order. It passes the period checks when
    # all 5 rows are of its series and strand (not missing), of one kind, with start years one step apart: that
    # is, when the row and the 3 before it each follow their predecessor by such a step.
    with np.errstate(invalid="ignore"):
        step = np.zeros(n, dtype=bool)
        step[1:] = (
            (codes_s[1:] == codes_s[:-1])
            & (strand_s[1:] == strand_s[:-1])
            & (year_s[1:] - year_s[:-1] == gap[order][1:])
            & (kind_s[1:] == kind_s[:-1])
        )
    valid = np.zeros(n, dtype=bool)
    if n >= 5:
        valid[4:] = step[4:] & step[3:-1] & step[2:-2] & step[1:-3] & (codes_s[4:] >= 0) & (kind_s[4:] > 0)
    # Only the rows whose window passed the period checks are judged (each row's statistics depend on its own
    # window alone); every other row cannot be calculated.
    rows = np.flatnonzero(valid)
    order_v = order[rows]
    at = order[rows[:, None] + np.arange(-4, 1)]  # (m, 5) original row numbers of each window, oldest first
    y, lo, hi, o, d = (a[at] for a in (value, lower95, upper95, count, denominator))
    labels = np.full(n, TREND_LABELS.index(CANNOT_BE_CALCULATED), dtype=np.int8)
    labels[rows] = trend_codes_of_windows(
        y, lo, hi, o, d, np.ones(len(rows), dtype=bool), is_prop[order_v], pol_code[order_v].astype(np.int64)
    )
    out = np.empty(n, dtype=np.int8)
    out[order] = labels
    return out
