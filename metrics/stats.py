"""Public-health statistics, reproducing OHID Fingertips / PHEindicatormethods.

Implemented from the published formulas (see the project's statistics reference and the OHID technical
guidance), not from PHEindicatormethods' GPL code. Every function is vectorised over numpy arrays and pandas
Series; when every main input is a scalar, it returns plain Python floats / strings instead of arrays.

Vocabulary shared with the rest of the project
-----------------------------------------------
value types  : "proportion", "crude_rate", "dsr", "count"
CI methods   : "wilson" (proportion), "byars" (crude rate, count), "dobson" (dsr), "none"
polarity     : "lower_is_better", "higher_is_better", "no_polarity"
verdicts     : "Better", "Similar", "Worse", "Lower", "Higher", "Not compared" (Fingertips' words)

Conventions
-----------
* A missing input (None, NaN, pandas NA) gives a missing output for that row; it is never an error and never 0.
* An impossible input (negative count, denominator <= 0, count > denominator for a proportion) is an error for
  that row: vector calls return NaN for the row (and `row_errors` / `limits_for_frame` report the message);
  scalar calls raise `InvalidInput` with the message.
* Proportions from `wilson_ci` are fractions 0..1; callers multiply (e.g. by 100 for %).

This module never imports Streamlit.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _sps

__all__ = [
    "Z95", "Z998", "CHI2_TREND_THRESHOLD", "VALUE_TYPES", "CI_METHODS", "CI_METHOD_FOR_VALUE_TYPE",
    "POLARITIES", "ANNUAL_PERIOD_KINDS", "PERIOD_KINDS", "TREND_LABELS", "CANNOT_BE_CALCULATED",
    "NO_SIGNIFICANT_CHANGE", "NOT_COMPARED", "DSR_NOT_AGGREGATABLE",
    "InvalidInput", "AggregateResult",
    "z_for", "row_errors", "wilson_ci", "byars_ci", "rate_ci", "dsr", "esp2013",
    "compare", "compare_two_level", "compare_goal",
    "recent_trend", "trend_for_frame",
    "quintiles", "quintile_label", "spine_stats",
    "aggregate", "limits_for_frame",
]

# --------------------------------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------------------------------

Z95 = 1.959964
Z998 = 3.090232
#: chi-squared (1 df) critical value at p = 0.002 used by Fingertips' recent-trend markers.
CHI2_TREND_THRESHOLD = 9.5495
#: (UCL95 - LCL95) / 3.92 estimates the standard error from a 95% interval.
CI95_WIDTH_IN_SE = 3.92

VALUE_TYPES = ("proportion", "crude_rate", "dsr", "count")
CI_METHODS = ("wilson", "byars", "dobson", "none")
CI_METHOD_FOR_VALUE_TYPE = {"proportion": "wilson", "crude_rate": "byars", "dsr": "dobson", "count": "byars"}
POLARITIES = ("lower_is_better", "higher_is_better", "no_polarity")
PERIOD_KINDS = ("financial_year", "calendar_year", "quarter", "rolling_12_months", "three_year_pooled")
ANNUAL_PERIOD_KINDS = ("financial_year", "calendar_year")

NOT_COMPARED = "Not compared"
CANNOT_BE_CALCULATED = "Cannot be calculated"
NO_SIGNIFICANT_CHANGE = "No significant change"
TREND_LABELS = (
    "Increasing and getting worse",
    "Increasing and getting better",
    "Decreasing and getting worse",
    "Decreasing and getting better",
    "Increasing",
    "Decreasing",
    NO_SIGNIFICANT_CHANGE,
    CANNOT_BE_CALCULATED,
)
DSR_NOT_AGGREGATABLE = (
    "a directly standardised rate cannot be aggregated without the members' age-specific counts and populations"
)

_REFERENCE_DIR = Path(__file__).resolve().parents[1] / "data" / "reference"


class InvalidInput(ValueError):
    """An impossible statistical input (negative count, denominator <= 0, count > denominator...)."""


# --------------------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------------------

def _floats(x: Any) -> np.ndarray:
    """Any scalar / list / array / Series as a float array, with None / pd.NA / NaT as NaN."""
    if isinstance(x, (pd.Series, pd.Index, pd.api.extensions.ExtensionArray)):
        try:
            return np.asarray(x.to_numpy(dtype=float, na_value=np.nan), dtype=float)
        except (TypeError, ValueError):
            x = np.asarray(x, dtype=object)
    try:
        return np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        obj = np.asarray(x, dtype=object)
        flat = pd.to_numeric(pd.Series(obj.ravel(), dtype=object), errors="coerce")
        return flat.to_numpy(dtype=float, na_value=np.nan).reshape(obj.shape)


def _objects(x: Any) -> np.ndarray:
    if isinstance(x, (pd.Series, pd.Index, pd.api.extensions.ExtensionArray)):
        return np.asarray(x.to_numpy(dtype=object), dtype=object)
    return np.asarray(x, dtype=object)


def _is_scalar(*xs: Any) -> bool:
    return all(np.ndim(x) == 0 for x in xs)


def _fmt(x: float) -> str:
    if math.isfinite(x) and float(x).is_integer():
        return str(int(x))
    return f"{x:.10g}"


def _check_polarity(polarity: Any) -> np.ndarray:
    """Polarity as an object array; ValueError naming any value that is not one of POLARITIES."""
    pol = _objects(polarity)
    flat = pol.ravel()
    bad = ~pd.Series(flat, dtype=object).isin(POLARITIES).to_numpy()
    if bad.any():
        unknown = sorted({repr(v) for v in flat[bad]})
        raise ValueError(f"unknown polarity {', '.join(unknown)}; expected one of {', '.join(POLARITIES)}")
    return pol


def _check_value_type(value_type: Any, allow_missing: bool = False) -> np.ndarray:
    """Value type(s) as an object array; ValueError naming any unknown one (missing ones allowed on request)."""
    vt = _objects(value_type)
    flat = pd.Series(vt.ravel(), dtype=object)
    bad = ~flat.isin(VALUE_TYPES).to_numpy()
    if allow_missing:
        bad &= ~flat.isna().to_numpy()
    if bad.any():
        unknown = sorted({repr(v) for v in flat[bad]})
        raise ValueError(f"unknown value type {', '.join(unknown)}; expected one of {', '.join(VALUE_TYPES)}")
    return vt


def _vocabulary_codes(x: Any, vocabulary: Sequence[str], check, **check_kw) -> np.ndarray:
    """Per row, the index of x's value in `vocabulary` (-1 for a missing value) as an int8 array.

    Hashes each distinct value once (pd.factorize) instead of comparing strings row by row. Any value outside the
    vocabulary (or a missing one, unless `check` allows it) is handed to `check` (_check_polarity /
    _check_value_type), which raises the same ValueError as it does for the whole column.
    """
    if isinstance(x, (pd.Series, pd.Index)):
        shape, flat = (len(x),), x
    else:
        arr = np.asarray(x, dtype=object)
        shape, flat = arr.shape, arr.ravel()
    codes, uniques = pd.factorize(flat, use_na_sentinel=True)
    index = {v: i for i, v in enumerate(vocabulary)}
    lookup = np.array([index.get(u, -2) if isinstance(u, str) else -2 for u in uniques] + [-1], dtype=np.int8)
    out = lookup[codes].reshape(shape)  # code -1 (missing) picks the trailing -1
    if (out == -2).any() or (codes < 0).any():
        check(x, **check_kw)  # raises for any value it refuses; a missing value it allows stays -1
    if (out == -2).any():  # pragma: no cover - check() accepted a value outside the vocabulary
        raise AssertionError("value outside the vocabulary passed its check")
    return out


def z_for(confidence: float) -> float:
    """Two-sided normal quantile for a confidence level: 0.95 -> Z95, 0.998 -> Z998, else scipy's norm.ppf.

    A level above 1 is read as a percentage (95 -> 0.95), as PHEindicatormethods does.
    """
    c = float(confidence)
    if c > 1:
        c = c / 100.0
    if not 0 < c < 1:
        raise ValueError(f"confidence must be between 0 and 1 (or a percentage), got {confidence!r}")
    if math.isclose(c, 0.95, abs_tol=1e-12):
        return Z95
    if math.isclose(c, 0.998, abs_tol=1e-12):
        return Z998
    return float(_sps.norm.ppf(c + (1 - c) / 2))


def _alpha_for(confidence: float) -> float:
    c = float(confidence)
    if c > 1:
        c = c / 100.0
    return 1.0 - c


# --------------------------------------------------------------------------------------------------------------
# Row errors
# --------------------------------------------------------------------------------------------------------------

def _error_masks(count: np.ndarray, denominator: np.ndarray, value_type: np.ndarray):
    """Boolean masks (negative count, bad denominator, count above denominator) - NaN never flags."""
    return _error_flags(count, denominator, value_type != "count", value_type == "proportion")


def _error_flags(count: np.ndarray, denominator: np.ndarray, uses_denominator, is_proportion):
    """_error_masks given, per row, whether the value type uses a denominator and whether it is a proportion."""
    with np.errstate(invalid="ignore"):
        negative = count < 0
        bad_den = uses_denominator & (denominator <= 0) & ~negative
        over = is_proportion & (count > denominator) & ~negative & ~bad_den
    return negative, bad_den, over


def _error_messages(c: np.ndarray, d: np.ndarray, negative, bad_den, over) -> np.ndarray:
    """row_errors' messages (or None) for 1-D counts and denominators and their _error_flags."""
    out = np.full(c.shape, None, dtype=object)
    for i in np.flatnonzero(negative):
        out[i] = f"count is negative ({_fmt(c[i])}); a count cannot be below 0"
    for i in np.flatnonzero(bad_den):
        out[i] = f"denominator is {_fmt(d[i])}; a denominator must be above 0"
    for i in np.flatnonzero(over):
        out[i] = (f"count ({_fmt(c[i])}) is greater than the denominator ({_fmt(d[i])}); "
                  "a proportion cannot be above 1")
    return out


def row_errors(count: Any, denominator: Any, value_type: Any) -> np.ndarray:
    """Per-row error messages (str) or None, as a 1-D object array (length 1 for scalar inputs).

    Errors, checked in this order and reported one per row:
      * a negative count: "count is negative (-3); a count cannot be below 0"
      * a denominator <= 0 (not checked for value type "count", which has no denominator):
        "denominator is 0; a denominator must be above 0"
      * for a proportion, count > denominator:
        "count (12) is greater than the denominator (10); a proportion cannot be above 1"
    A missing count or denominator is not an error (the row's results are simply missing).
    `value_type` may be one string or one per row; a missing one is allowed (only the denominator is checked),
    an unknown one raises ValueError.
    """
    c = np.atleast_1d(_floats(count))
    d = np.atleast_1d(_floats(denominator))
    vt = np.atleast_1d(_check_value_type(value_type, allow_missing=True))
    c, d, vt = np.broadcast_arrays(c, d, vt)
    c, d, vt = c.ravel(), d.ravel(), vt.ravel()
    return _error_messages(c, d, *_error_masks(c, d, vt))


def _raise_if_error(count: Any, denominator: Any, value_type: str) -> None:
    err = row_errors(count, denominator, value_type)[0]
    if err is not None:
        raise InvalidInput(err)


# --------------------------------------------------------------------------------------------------------------
# Confidence intervals
# --------------------------------------------------------------------------------------------------------------

def _wilson_arrays(o: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        q = 1.0 - o / n
        root = z * np.sqrt(z * z + 4.0 * o * q)
        denom = 2.0 * (n + z * z)
        lower = (2.0 * o + z * z - root) / denom
        upper = (2.0 * o + z * z + root) / denom
    # O = 0 gives exactly 0 and O = n exactly 1 in real arithmetic: remove float noise.
    lower = np.where(o == 0, 0.0, np.clip(lower, 0.0, 1.0))
    upper = np.where((o == n) & ~np.isnan(upper), 1.0, np.clip(upper, 0.0, 1.0))
    return lower, upper


def wilson_ci(count: Any, denominator: Any, confidence: float = 0.95):
    """Wilson score interval for a proportion of `count` events out of `denominator`, as fractions 0..1.

        q = 1 - O/n
        lower, upper = (2O + z^2 -/+ z*sqrt(z^2 + 4*O*q)) / (2(n + z^2))

    Works at O = 0 (lower 0) and O = n (upper 1). Scalar call: returns (lower, upper) floats and raises
    InvalidInput for an impossible row. Vector call: NaN for impossible or missing rows.
    """
    z = z_for(confidence)
    scalar = _is_scalar(count, denominator)
    o, n = np.broadcast_arrays(_floats(count), _floats(denominator))
    if scalar:
        _raise_if_error(o, n, "proportion")
    negative, bad_den, over = _error_masks(o, n, np.asarray("proportion", dtype=object))
    bad = negative | bad_den | over
    o = np.where(bad, np.nan, o)
    lower, upper = _wilson_arrays(o, n, z)
    if scalar:
        return float(lower), float(upper)
    return lower, upper


def _poisson_limits(o: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Limits of an observed count: Byar's method for O >= 10, exact Poisson (chi-squared) below 10."""
    z = z_for(confidence)
    alpha = _alpha_for(confidence)
    o = np.asarray(o, dtype=float)
    lower = np.full(o.shape, np.nan)
    upper = np.full(o.shape, np.nan)
    big = o >= 10
    small = (o >= 0) & (o < 10)
    if big.any():
        ob = o[big]
        lower[big] = ob * (1.0 - 1.0 / (9.0 * ob) - z / (3.0 * np.sqrt(ob))) ** 3
        o1 = ob + 1.0
        upper[big] = o1 * (1.0 - 1.0 / (9.0 * o1) + z / (3.0 * np.sqrt(o1))) ** 3
    if small.any():
        os_ = o[small]
        with np.errstate(invalid="ignore"):
            lo = _sps.chi2.ppf(alpha / 2.0, 2.0 * os_) / 2.0
        lower[small] = np.where(os_ == 0, 0.0, lo)
        upper[small] = _sps.chi2.ppf(1.0 - alpha / 2.0, 2.0 * os_ + 2.0) / 2.0
    return lower, upper


def byars_ci(count: Any, confidence: float = 0.95):
    """Confidence limits of an observed count O (a Poisson count).

        O >= 10 (Byar's):  lower = O(1 - 1/(9O) - z/(3 sqrt O))^3
                           upper = (O+1)(1 - 1/(9(O+1)) + z/(3 sqrt(O+1)))^3
        O < 10 (exact):    lower = chi2.ppf(alpha/2, 2O)/2 (0 at O = 0), upper = chi2.ppf(1-alpha/2, 2O+2)/2

    Scalar call raises InvalidInput for a negative count; vector call gives NaN for negative or missing rows.
    """
    scalar = _is_scalar(count)
    o = _floats(count)
    if scalar:
        _raise_if_error(o, np.nan, "count")
    lower, upper = _poisson_limits(np.atleast_1d(o), confidence)
    if scalar:
        return float(lower[0]), float(upper[0])
    return lower.reshape(o.shape), upper.reshape(o.shape)


def rate_ci(count: Any, denominator: Any, multiplier: float = 100_000, confidence: float = 0.95):
    """Limits of a crude rate count/denominator x multiplier: Byar's / exact limits of the count, / n x multiplier.

    Scalar call raises InvalidInput for a negative count or a denominator <= 0; vector call gives NaN.
    """
    scalar = _is_scalar(count, denominator)
    o, n = np.broadcast_arrays(np.atleast_1d(_floats(count)), np.atleast_1d(_floats(denominator)))
    if scalar:
        _raise_if_error(o, n, "crude_rate")
    negative, bad_den, _ = _error_masks(o, n, np.asarray("crude_rate", dtype=object))
    bad = negative | bad_den
    lo, hi = _poisson_limits(np.where(bad, np.nan, o), confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = lo / n * multiplier
        upper = hi / n * multiplier
    if scalar:
        return float(lower[0]), float(upper[0])
    shape = np.broadcast_shapes(np.shape(count), np.shape(denominator))
    return lower.reshape(shape), upper.reshape(shape)


# --------------------------------------------------------------------------------------------------------------
# Directly standardised rates
# --------------------------------------------------------------------------------------------------------------

def dsr(counts: Any, populations: Any, standard_populations: Any, multiplier: float = 100_000,
        confidence: float = 0.95) -> tuple[float, float, float]:
    """Directly standardised rate of ONE area, with Dobson's confidence limits; returns (value, lower, upper).

        DSR   = sum(w_i O_i / n_i) / sum(w_i) x multiplier           (w_i the standard population, e.g. esp2013())
        var   = sum(w_i^2 O_i / n_i^2) / (sum w_i)^2
        limit = DSR + sqrt(var / O) x (O_limit - O) x multiplier     (O = sum O_i, O_limit Byar's of O)

    The inputs are aligned by position (one entry per age band). As PHEindicatormethods: a missing age-band
    count counts as 0; a missing population makes the result missing; a total count O < 10 gives NaN for the
    value and both limits (not published). A negative count or a population <= 0 raises InvalidInput; bands of
    different lengths raise ValueError.
    """
    o = np.atleast_1d(_floats(counts)).astype(float).ravel()
    n = np.atleast_1d(_floats(populations)).astype(float).ravel()
    w = np.atleast_1d(_floats(standard_populations)).astype(float).ravel()
    if not (len(o) == len(n) == len(w)):
        raise ValueError(f"counts ({len(o)}), populations ({len(n)}) and standard populations ({len(w)}) "
                         "must have one entry per age band")
    if np.any(o < 0):
        raise InvalidInput(f"count is negative ({_fmt(float(o[o < 0][0]))}); a count cannot be below 0")
    if np.any(n <= 0):
        raise InvalidInput(f"denominator is {_fmt(float(n[n <= 0][0]))}; a denominator must be above 0")
    nan3 = (math.nan, math.nan, math.nan)
    if np.isnan(n).any() or np.isnan(w).any():
        return nan3
    o = np.where(np.isnan(o), 0.0, o)
    total = float(o.sum())
    if total < 10:
        return nan3
    sw = w.sum()
    value = float((w * o / n).sum() / sw * multiplier)
    var = float((w * w * o / (n * n)).sum() / (sw * sw))
    lo, hi = _poisson_limits(np.array([total]), confidence)
    scale = math.sqrt(var / total) * multiplier
    return value, float(value + scale * (lo[0] - total)), float(value + scale * (hi[0] - total))


@lru_cache(maxsize=1)
def _esp2013_cached() -> pd.DataFrame:
    df = pd.read_csv(_REFERENCE_DIR / "esp2013.csv", dtype={"age_band": str, "standard_population": "int64"})
    if len(df) != 19 or int(df["standard_population"].sum()) != 100_000:
        raise ValueError("data/reference/esp2013.csv must hold the 19 ESP2013 bands summing to 100,000")
    return df


def esp2013() -> pd.DataFrame:
    """The 2013 European Standard Population: 19 five-year bands 0-4 ... 85-89, 90+ (sum 100,000).

    Columns age_band, standard_population; read from data/reference/esp2013.csv. Returns a fresh copy.
    """
    return _esp2013_cached().copy()


# --------------------------------------------------------------------------------------------------------------
# Comparisons
# --------------------------------------------------------------------------------------------------------------

_BY_POLARITY = {
    # polarity: (word when the area is significantly lower, word when significantly higher)
    "lower_is_better": ("Better", "Worse"),
    "higher_is_better": ("Worse", "Better"),
    "no_polarity": ("Lower", "Higher"),
}


#: the verdicts of a comparison; _compare_codes answers with indices into this
COMPARE_LABELS = ("Similar", "Better", "Worse", "Lower", "Higher", NOT_COMPARED)
_COMPARE_LABELS = np.array(COMPARE_LABELS, dtype=object)
# by polarity code (index into POLARITIES): the verdict's code when significantly lower / higher
_LOW_CODE = np.array([COMPARE_LABELS.index(_BY_POLARITY[p][0]) for p in POLARITIES], dtype=np.int8)
_HIGH_CODE = np.array([COMPARE_LABELS.index(_BY_POLARITY[p][1]) for p in POLARITIES], dtype=np.int8)


def _compare_codes(v, lo, hi, b, pol_code, is_bench):
    """`compare` on float arrays and polarity codes (indices into POLARITIES): verdict codes (indices into
    COMPARE_LABELS), and the significantly-lower and significantly-higher masks."""
    with np.errstate(invalid="ignore"):
        missing = np.isnan(v) | np.isnan(lo) | np.isnan(hi) | np.isnan(b) | is_bench
        below = hi < b
        above = lo > b
    out = np.where(above, _HIGH_CODE[pol_code], np.where(below, _LOW_CODE[pol_code], np.int8(0)))
    out = np.where(missing, np.int8(COMPARE_LABELS.index(NOT_COMPARED)), out).astype(np.int8)
    return out, below & ~missing, above & ~missing


def _compare_arrays(v, lo, hi, b, pol_code, is_bench):
    codes, below, above = _compare_codes(v, lo, hi, b, pol_code, is_bench)
    return _labels(_COMPARE_LABELS, codes), below, above


def _labels(table: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """table[codes] as an object array of the codes' shape (0-d included)."""
    return table[np.atleast_1d(codes)].reshape(np.shape(codes))


def _bench_mask(is_benchmark_area: Any) -> np.ndarray:
    if isinstance(is_benchmark_area, np.ndarray) and is_benchmark_area.dtype == bool:
        return is_benchmark_area
    m = _objects(is_benchmark_area)
    return pd.Series(m.ravel(), dtype=object).fillna(False).astype(bool).to_numpy().reshape(m.shape)


def compare(value: Any, lower: Any, upper: Any, benchmark: Any, polarity: Any, is_benchmark_area: Any = False):
    """Fingertips' benchmark comparison using the area's confidence interval (95% by convention).

    The benchmark inside [lower, upper] (inclusive) -> "Similar"; upper < benchmark -> significantly lower;
    lower > benchmark -> significantly higher; then by polarity: lower_is_better -> "Better"/"Worse",
    higher_is_better -> "Worse"/"Better", no_polarity -> "Lower"/"Higher".
    A missing value, limit or benchmark -> "Not compared". An area is never compared with itself: pass
    `is_benchmark_area=True` (or a boolean per row) for the benchmark's own row(s) to get "Not compared".
    An unknown polarity raises ValueError. Scalar inputs return a str, otherwise an object array.
    """
    pol = _vocabulary_codes(polarity, POLARITIES, _check_polarity)
    scalar = _is_scalar(value, lower, upper, benchmark, polarity, is_benchmark_area)
    v, lo, hi, b, pol, bench = np.broadcast_arrays(
        _floats(value), _floats(lower), _floats(upper), _floats(benchmark), pol, _bench_mask(is_benchmark_area))
    out, _, _ = _compare_arrays(v, lo, hi, b, pol, bench)
    return str(out.item()) if scalar else out


def compare_two_level(value: Any, lower95: Any, upper95: Any, lower998: Any, upper998: Any, benchmark: Any,
                      polarity: Any, is_benchmark_area: Any = False):
    """Two-level Fingertips comparison: "Better (99.8%)", "Better (95%)", "Similar", "Worse (95%)",
    "Worse (99.8%)" (or "Lower/Higher (...)" for no_polarity), "Not compared".

    Same test as `compare` at each level: not significant at 95% -> "Similar"; significant at 99.8% -> "(99.8%)",
    otherwise "(95%)". All four limits, the value and the benchmark are needed, else "Not compared" (fill missing
    99.8% limits first with `limits_for_frame` when counts are known).
    """
    pol = _vocabulary_codes(polarity, POLARITIES, _check_polarity)
    scalar = _is_scalar(value, lower95, upper95, lower998, upper998, benchmark, polarity, is_benchmark_area)
    v, l95, u95, l998, u998, b, pol, bench = np.broadcast_arrays(
        _floats(value), _floats(lower95), _floats(upper95), _floats(lower998), _floats(upper998),
        _floats(benchmark), pol, _bench_mask(is_benchmark_area))
    with np.errstate(invalid="ignore"):
        bench = bench | np.isnan(l998) | np.isnan(u998)
    out95, below95, above95 = _compare_arrays(v, l95, u95, b, pol, bench)
    _, below998, above998 = _compare_arrays(v, l998, u998, b, pol, bench)
    level = np.where((below95 & below998) | (above95 & above998), " (99.8%)", " (95%)")
    sig = below95 | above95
    out = np.where(sig, np.char.add(out95.astype(str), level.astype(str)).astype(object), out95).astype(object)
    return str(out.item()) if scalar else out


def compare_goal(value: Any, lower: Any, upper: Any, goal: Any, polarity: Any):
    """Red / Amber / Green against a goal or target (Fingertips' "Compared to goal").

    Rule used here:
      * "Green" - the value meets or beats the goal (value >= goal for higher_is_better, value <= goal for
        lower_is_better);
      * "Amber" - the value misses the goal but the goal lies inside the 95% CI [lower, upper] (inclusive), so
        the miss is not statistically significant;
      * "Red"   - the value misses the goal and the CI excludes the goal;
      * without a CI (either limit missing): "Green" / "Red" by the value alone;
      * no goal, no value, or polarity "no_polarity" -> "Not compared".
    An unknown polarity raises ValueError.
    """
    pol = _vocabulary_codes(polarity, POLARITIES, _check_polarity)
    scalar = _is_scalar(value, lower, upper, goal, polarity)
    v, lo, hi, g, pol = np.broadcast_arrays(_floats(value), _floats(lower), _floats(upper), _floats(goal), pol)
    out = _labels(_GOAL_LABELS, _goal_codes(v, lo, hi, g, pol))
    return str(out.item()) if scalar else out


#: the verdicts of compare_goal; _goal_codes answers with indices into this
GOAL_LABELS = ("Green", "Amber", "Red", NOT_COMPARED)
_GOAL_LABELS = np.array(GOAL_LABELS, dtype=object)


def _goal_codes(v, lo, hi, g, pol_code) -> np.ndarray:
    """`compare_goal` on float arrays and polarity codes (indices into POLARITIES): indices into GOAL_LABELS."""
    with np.errstate(invalid="ignore"):
        meets = np.where(pol_code == POLARITIES.index("higher_is_better"), v >= g, v <= g)
        has_ci = ~np.isnan(lo) & ~np.isnan(hi)
        goal_in_ci = has_ci & (lo <= g) & (g <= hi)
    out = np.where(meets, np.int8(0), np.where(goal_in_ci, np.int8(1), np.int8(2)))
    not_compared = np.isnan(v) | np.isnan(g) | (pol_code == POLARITIES.index("no_polarity"))
    return np.where(not_compared, np.int8(3), out).astype(np.int8)


# --------------------------------------------------------------------------------------------------------------
# Recent trend
# --------------------------------------------------------------------------------------------------------------

_T = np.arange(1.0, 6.0)


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


def _chi2_trend_core(o: np.ndarray, d: np.ndarray):
    """Chi-squared test for trend in proportions over t = 1..5 (rows of (m, 5) arrays).

    chi2 = N (N sum O_t t - sum O sum n_t t)^2 / (sum O (N - sum O) (N sum n_t t^2 - (sum n_t t)^2)), N = sum n.
    Returns chi2, the slope sign (sign of N sum O_t t - sum O sum n_t t) and the sign with each point dropped
    (the same numerator over the 4 remaining points at their original t).
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


def _wls_trend_core(y: np.ndarray, lo: np.ndarray, hi: np.ndarray):
    """Weighted least squares of value on t = 1..5, weights 1/se^2, se = (UCL95 - LCL95)/3.92.

    beta = (S1 Syt - St Sy)/(S1 Stt - St^2), Var(beta) = S1/(S1 Stt - St^2), chi2 = beta^2 / Var(beta).
    Returns chi2, the slope sign and the sign with each point dropped (the 4 others at their original t).
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


_POLARITY_CODE = {"lower_is_better": 0, "higher_is_better": 1, "no_polarity": 2}
_TREND_WORDS = {
    # (polarity code, direction) -> label
    (0, 1): "Increasing and getting worse", (0, -1): "Decreasing and getting better",
    (1, 1): "Increasing and getting better", (1, -1): "Decreasing and getting worse",
    (2, 1): "Increasing", (2, -1): "Decreasing",
}


_TREND_LABELS = np.array(TREND_LABELS, dtype=object)


def _trend_from_windows(y, lo, hi, o, d, valid, is_prop, pol_code) -> np.ndarray:
    """Trend codes (indices into TREND_LABELS) for (m, 5) windows oldest -> newest that already passed the
    period checks (`valid`).

    Shared by `recent_trend` (one window) and `trend_for_frame` (one window per row), so both always agree.
    """
    with np.errstate(invalid="ignore"):
        valid = valid & np.all(np.isfinite(y), axis=-1)
        has_counts = (is_prop & np.all(np.isfinite(o), -1) & np.all(np.isfinite(d), -1)
                      & np.all(d > 0, -1) & np.all(o >= 0, -1) & np.all(o <= d, -1))
        has_ci = np.all(np.isfinite(lo), -1) & np.all(np.isfinite(hi), -1) & np.all(hi > lo, -1)
    use_chi = valid & has_counts
    use_wls = valid & ~has_counts & has_ci
    # Each statistic only on the windows that use it (row by row, so a window's result does not depend on which
    # others are computed with it).
    chi = np.full(use_chi.shape, np.nan)
    sign = np.zeros(use_chi.shape)
    loo = np.zeros(use_chi.shape + (5,))
    for use, core, args in ((use_chi, _chi2_trend_core, (o, d)), (use_wls, _wls_trend_core, (y, lo, hi))):
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


def _get(p: Mapping, key: str) -> float:
    v = p.get(key) if isinstance(p, Mapping) else getattr(p, key, None)
    return float(_floats(v))


def recent_trend(points: Sequence[Mapping[str, Any]] | pd.DataFrame, value_type: str, polarity: str) -> str:
    """Fingertips' recent-trend marker for ONE series of points ordered oldest -> newest.

    Each point is a mapping with keys value, lower, upper, count, denominator, start_year (int) and period_kind.
    Rules:
      * the most recent 5 points are used; there must be at least 5, all of one annual, non-overlapping kind
        ("financial_year" or "calendar_year"), with consecutive start years (step 1) and a value each -
        otherwise "Cannot be calculated" (a gap, a quarter, a rolling or pooled period, a missing value);
      * a proportion with count and denominator for all 5 points -> chi-squared test for trend;
        any other value type (or a proportion without counts) with 95% limits for all 5 points -> weighted
        least squares on t = 1..5 with se = (UCL - LCL)/3.92; neither -> "Cannot be calculated";
      * significant when chi2 > 9.5495 (p = 0.002) AND the slope keeps its sign when each of the 5 points is
        dropped in turn (the same statistic's slope recomputed on the 4 others, at their original t);
      * labels: "Increasing and getting better/worse", "Decreasing and getting better/worse" (by polarity),
        "Increasing" / "Decreasing" (no_polarity), "No significant change", "Cannot be calculated".
    """
    vt = str(_check_value_type(value_type).item())
    pc = _POLARITY_CODE[str(_check_polarity(polarity).item())]
    if isinstance(points, pd.DataFrame):
        points = points.to_dict("records")
    pts = list(points)
    if len(pts) < 5:
        return CANNOT_BE_CALCULATED
    last = pts[-5:]
    kinds = [p.get("period_kind") if isinstance(p, Mapping) else getattr(p, "period_kind", None) for p in last]
    if kinds[-1] not in ANNUAL_PERIOD_KINDS or any(k != kinds[-1] for k in kinds):
        return CANNOT_BE_CALCULATED
    years = np.array([_get(p, "start_year") for p in last])
    if not np.all(np.diff(years) == 1):
        return CANNOT_BE_CALCULATED
    row = {k: np.array([[_get(p, k) for p in last]]) for k in ("value", "lower", "upper", "count", "denominator")}
    out = _trend_from_windows(row["value"], row["lower"], row["upper"], row["count"], row["denominator"],
                              np.array([True]), np.array([vt == "proportion"]), np.array([pc]))
    return TREND_LABELS[out[0]]


_TREND_COLUMNS = ("series_id", "start_year", "period_kind", "value", "lower95", "upper95", "count",
                  "denominator", "value_type", "polarity")
_KIND_CODE = {"financial_year": 1, "calendar_year": 2}


def trend_for_frame(df: pd.DataFrame) -> pd.Series:
    """Vectorised `recent_trend`: for every row, the trend of the 5 points of its series ending at that row.

    `df` is a long frame (any order) with columns series_id, start_year, period_kind, value, lower95, upper95,
    count, denominator, value_type, polarity. Rows are ordered by (series_id, start_year); each row's window is
    itself and the 4 rows before it in its series, judged exactly as `recent_trend` judges its last 5 points
    (same checks, same statistics - the statistics are shared code). Returns a Series of labels aligned to
    df.index. No Python loop per row: groupwise positions plus a sliding window over the sorted arrays.
    """
    missing = [c for c in _TREND_COLUMNS if c not in df.columns]
    if missing:
        raise KeyError(f"trend_for_frame needs columns {', '.join(missing)}")
    n = len(df)
    if n == 0:
        return pd.Series([], index=df.index, dtype=object, name="recent_trend")
    vt_code = _vocabulary_codes(df["value_type"], VALUE_TYPES, _check_value_type)
    pol_code = _vocabulary_codes(df["polarity"], POLARITIES, _check_polarity)
    series = pd.factorize(df["series_id"], use_na_sentinel=True)[0]
    kind_codes, kind_uniques = pd.factorize(df["period_kind"], use_na_sentinel=True)
    kind = np.array([_KIND_CODE.get(k, 0) for k in kind_uniques] + [0], dtype=np.int64)[kind_codes]
    codes = _trend_codes(series, _floats(df["start_year"]), kind, _floats(df["value"]), _floats(df["lower95"]),
                         _floats(df["upper95"]), _floats(df["count"]), _floats(df["denominator"]),
                         vt_code == VALUE_TYPES.index("proportion"), pol_code)
    out = _TREND_LABELS[codes]
    return pd.Series(out, index=df.index, name="recent_trend")


def _trend_codes(series: np.ndarray, year: np.ndarray, kind: np.ndarray, value: np.ndarray, lower95: np.ndarray,
                 upper95: np.ndarray, count: np.ndarray, denominator: np.ndarray, is_prop: np.ndarray,
                 pol_code: np.ndarray) -> np.ndarray:
    """trend_for_frame on arrays: per row, the trend code (index into TREND_LABELS) of its window.

    `series` holds integer series codes (negative for none), `kind` 1 for financial_year, 2 for calendar_year,
    0 for any other period kind; `is_prop` and `pol_code` (index into POLARITIES) are per row.
    """
    n = len(series)
    order = np.lexsort((year, series))  # stable: ties keep their original order
    codes_s = series[order]
    year_s = year[order]
    kind_s = kind[order]

    # A row's window is itself and the 4 rows before it in the sorted order. It passes the period checks when
    # all 5 rows are of its series (not missing), of one annual kind, with start years one apart: that is, when
    # the row and the 3 before it each follow their predecessor by such a step.
    with np.errstate(invalid="ignore"):
        step = np.zeros(n, dtype=bool)
        step[1:] = ((codes_s[1:] == codes_s[:-1]) & (year_s[1:] - year_s[:-1] == 1) & (kind_s[1:] == kind_s[:-1]))
    valid = np.zeros(n, dtype=bool)
    if n >= 5:
        valid[4:] = (step[4:] & step[3:-1] & step[2:-2] & step[1:-3] & (codes_s[4:] >= 0) & (kind_s[4:] > 0))
    # Only the rows whose window passed the period checks are judged (each row's statistics depend on its own
    # window alone); every other row cannot be calculated.
    rows = np.flatnonzero(valid)
    order_v = order[rows]
    at = order[rows[:, None] + np.arange(-4, 1)]  # (m, 5) original row numbers of each window, oldest first
    cols = [a[at] for a in (value, lower95, upper95, count, denominator)]
    labels = np.full(n, TREND_LABELS.index(CANNOT_BE_CALCULATED), dtype=np.int8)
    labels[rows] = _trend_from_windows(*cols, np.ones(len(rows), dtype=bool), is_prop[order_v],
                                       pol_code[order_v].astype(np.int64))
    out = np.empty(n, dtype=np.int8)
    out[order] = labels
    return out


# --------------------------------------------------------------------------------------------------------------
# Quintiles and spine charts
# --------------------------------------------------------------------------------------------------------------

_QUINTILE_WORDS = {
    True: ("Best", "Better", "Middle", "Worse", "Worst"),
    False: ("Lowest", "Low", "Middle", "High", "Highest"),
}


def quintiles(values: Any, polarity: str) -> np.ndarray:
    """Quintile 1..5 of each value among the areas given (float array; NaN for a missing value).

    Quintile 1 is the best (lowest values for lower_is_better, highest for higher_is_better) or, for
    no_polarity, the lowest values. All NaN when fewer than 5 areas have values.

    Rule: PHEindicatormethods' phe_quantile / OHID technical guide "Assigning deprivation categories":
        rank = rank of the (oriented) value, ties to the minimum rank; N = number of values, k = 5
        quintile = floor((k + 1) - ceil(((N + 1) - rank) / (N / k))), a result of 0 set to 1
    oriented by ranking (max - value) when 1 must hold the highest values (higher_is_better), as phe_quantile's
    `invert` does, and the raw value otherwise.
    """
    pol = str(_check_polarity(polarity).item())
    v = np.atleast_1d(_floats(values)).astype(float)
    out = np.full(v.shape, np.nan)
    ok = ~np.isnan(v)
    n_vals = int(ok.sum())
    k = 5
    if n_vals < k:
        return out
    vals = v[ok]
    adj = (vals.max() - vals) if pol == "higher_is_better" else vals
    rank = _sps.rankdata(adj, method="min").astype(float)
    q = np.floor((k + 1) - np.ceil(((n_vals + 1) - rank) / (n_vals / k)))
    q[q == 0] = 1
    out[ok] = q
    return out


def quintile_label(q: Any, polarity: Any):
    """Words for quintiles: "Best", "Better", "Middle", "Worse", "Worst" with a polarity; "Lowest", "Low",
    "Middle", "High", "Highest" for no_polarity; "Not compared" for a missing quintile."""
    pol = _check_polarity(polarity)
    scalar = _is_scalar(q, polarity)
    qq, pol = np.broadcast_arrays(_floats(q), pol)
    out = np.full(qq.shape, NOT_COMPARED, dtype=object)
    for polar, words in _QUINTILE_WORDS.items():
        pmask = (pol != "no_polarity") if polar else (pol == "no_polarity")
        for i, word in enumerate(words, start=1):
            out[pmask & (qq == i)] = word
    return str(out.item()) if scalar else out


def _fingertips_percentile(sorted_vals: np.ndarray, fraction: float) -> float:
    """Fingertips' percentile: linear interpolation at position (count - 1) * p + 1 (1-based), rounded to 10 dp."""
    count = len(sorted_vals)
    pos = (count - 1) * fraction + 1
    if pos == 1:
        return float(sorted_vals[0])
    if pos == count:
        return float(sorted_vals[-1])
    k = int(pos)
    frac = pos - k
    val = sorted_vals[k - 1] + frac * (sorted_vals[k] - sorted_vals[k - 1])
    return float(round(val, 10))


def spine_stats(values: Any, polarity: str) -> dict[str, float]:
    """Spine-chart statistics of the areas' values, oriented by polarity: dict(worst, q25, q75, best, n).

    Percentiles follow Fingertips (IndicatorStatsCalculator): linear interpolation between order statistics at
    (count - 1) * p + 1, the same as numpy's default "linear" / R type 7, computed only when there are more than
    3 values (q25 / q75 are NaN for 1-3 values; every field but n is NaN for none).
    Orientation (Fingertips' spine chart draws the worst end on the left):
      * lower_is_better : worst = max, q25 = 75th percentile of the raw values, q75 = 25th percentile, best = min
      * higher_is_better: worst = min, q25 = 25th percentile, q75 = 75th percentile, best = max
      * no_polarity     : drawn like higher_is_better, lowest on the left: worst = min ... best = max
    so q25 is always the quartile on the "worst" side and q75 the one on the "best" side.
    """
    pol = str(_check_polarity(polarity).item())
    v = np.atleast_1d(_floats(values)).astype(float)
    v = np.sort(v[~np.isnan(v)])
    n_vals = len(v)
    out = {"worst": math.nan, "q25": math.nan, "q75": math.nan, "best": math.nan, "n": n_vals}
    if n_vals == 0:
        return out
    lo, hi = float(v[0]), float(v[-1])
    p25 = p75 = math.nan
    if n_vals > 3:
        p25, p75 = _fingertips_percentile(v, 0.25), _fingertips_percentile(v, 0.75)
    if pol == "lower_is_better":
        out.update(worst=hi, q25=p75, q75=p25, best=lo)
    else:
        out.update(worst=lo, q25=p25, q75=p75, best=hi)
    return out


# --------------------------------------------------------------------------------------------------------------
# Aggregation and filling limits
# --------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AggregateResult:
    """A value pooled from member areas (e.g. a CDP footprint or a region) with its limits."""
    value: float
    lower95: float
    upper95: float
    lower998: float
    upper998: float
    count: float
    denominator: float
    members_used: int
    members_missing: int
    refused_reason: str | None = None
    #: limits at the `confidence` asked of `aggregate` (equal to lower95/upper95 at the default 0.95)
    lower: float = math.nan
    upper: float = math.nan
    confidence: float = 0.95


def _value_and_limits(o: np.ndarray, n: np.ndarray, vt: str, multiplier: float, confidence: float):
    """Value and limits from count (and denominator) for one value type; arrays in, arrays out."""
    with np.errstate(invalid="ignore", divide="ignore"):
        if vt == "proportion":
            lo, hi = _wilson_arrays(o, n, z_for(confidence))
            return o / n * multiplier, lo * multiplier, hi * multiplier
        if vt == "crude_rate":
            lo, hi = _poisson_limits(o, confidence)
            return o / n * multiplier, lo / n * multiplier, hi / n * multiplier
        if vt == "count":
            lo, hi = _poisson_limits(o, confidence)
            return o.astype(float), lo, hi
    nan = np.full(np.shape(o), np.nan)
    return nan, nan, nan


def aggregate(counts: Any, denominators: Any, value_type: str, multiplier: float = 1,
              confidence: float = 0.95) -> AggregateResult:
    """Pool member areas: sum the counts and denominators of the members that have both (just the counts for
    value type "count"), then recompute the value and limits with the value type's method:
    proportion -> count/denominator x multiplier with Wilson limits x multiplier (multiplier 100 for %);
    crude_rate -> Byar's / exact limits of the count / denominator x multiplier;
    count -> the summed count with Byar's / exact limits (multiplier and denominators unused).
    lower95/upper95 and lower998/upper998 are always filled; lower/upper are at `confidence`.

    Refuses (refused_reason set, numbers NaN) for a "dsr" (it cannot be pooled without age-specific counts and
    populations - never average DSRs), when no member has the needed counts, or when a member row is
    impossible (its row_errors message).
    """
    vt = str(_check_value_type(value_type).item())
    o = np.atleast_1d(_floats(counts)).astype(float).ravel()
    if vt == "count" and _is_scalar(denominators) and denominators is None:
        n = np.full(o.shape, np.nan)
    else:
        n = np.atleast_1d(_floats(denominators)).astype(float).ravel()
        o, n = np.broadcast_arrays(o, n)
    members = len(o)

    def refused(reason: str, used: int = 0) -> AggregateResult:
        return AggregateResult(math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan,
                               used, members - used, reason, math.nan, math.nan, confidence)

    if vt == "dsr":
        return refused(DSR_NOT_AGGREGATABLE)
    errors = [e for e in row_errors(o, n, vt) if e is not None]
    if errors:
        return refused(errors[0])
    usable = ~np.isnan(o) if vt == "count" else ~np.isnan(o) & ~np.isnan(n)
    used = int(usable.sum())
    if used == 0:
        need = "a count" if vt == "count" else "both a count and a denominator"
        return refused(f"no member area has {need}")
    total_o = float(o[usable].sum())
    total_n = math.nan if vt == "count" else float(n[usable].sum())
    arr_o, arr_n = np.array([total_o]), np.array([total_n])
    value, l95, u95 = _value_and_limits(arr_o, arr_n, vt, multiplier, 0.95)
    _, l998, u998 = _value_and_limits(arr_o, arr_n, vt, multiplier, 0.998)
    _, lo, hi = _value_and_limits(arr_o, arr_n, vt, multiplier, confidence)
    return AggregateResult(float(value[0]), float(l95[0]), float(u95[0]), float(l998[0]), float(u998[0]),
                           total_o, total_n, used, members - used, None, float(lo[0]), float(hi[0]), confidence)


_LIMIT_PAIRS = (("lower95", "upper95", 0.95), ("lower998", "upper998", 0.998))


def limits_for_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Fill values and confidence limits from counts, row by row, without touching anything supplied.

    Input columns: value_type, multiplier, count, denominator, and optionally value, lower95, upper95, lower998,
    upper998. Returns a frame aligned to df.index with value, lower95, upper95, lower998, upper998, error.
      * error: the row's `row_errors` message or None; an error row gets nothing computed.
      * a limit pair (lower95/upper95, lower998/upper998) is computed only where BOTH of the pair are missing
        (a half-supplied pair is left as supplied, never mixed with a recomputed limit), from the count and,
        except for "count", the denominator: proportion -> Wilson x multiplier; crude_rate -> Byar's / exact
        rate x multiplier; count -> Byar's / exact limits of the count; dsr -> left missing (needs age bands).
      * value is computed only where it is missing and the count (and denominator) are present:
        proportion / crude_rate -> count / denominator x multiplier; count -> count; dsr -> left missing.
      * a missing multiplier means nothing is computed for proportion / crude_rate rows (a wrong scale would be
        worse than a gap); it is not used for "count".
    """
    n_rows = len(df)
    idx = df.index
    for c in ("value_type", "multiplier", "count", "denominator"):
        if c not in df.columns:
            raise KeyError(f"limits_for_frame needs column {c}")
    vt_code = (_vocabulary_codes(df["value_type"], VALUE_TYPES, _check_value_type, allow_missing=True) if n_rows
               else np.empty(0, dtype=np.int8))
    mult = _floats(df["multiplier"]).astype(float)
    o = _floats(df["count"]).astype(float)
    d = _floats(df["denominator"]).astype(float)

    def col(name: str) -> np.ndarray:
        return _floats(df[name]).astype(float).copy() if name in df.columns else np.full(n_rows, np.nan)

    out = {name: col(name) for name in ("value", "lower95", "upper95", "lower998", "upper998")}
    errors = _fill_limits(out, vt_code, mult, o, d)
    result = pd.DataFrame(out, index=idx)
    result["error"] = pd.Series(errors, index=idx, dtype=object)
    return result


def _fill_limits(out: dict[str, np.ndarray], vt_code: np.ndarray, mult: np.ndarray, o: np.ndarray,
                 d: np.ndarray) -> np.ndarray:
    """limits_for_frame on arrays: fills `out`'s float arrays (value, lower95, upper95, lower998, upper998) in
    place and returns the row errors (object array, None for none). `vt_code` indexes VALUE_TYPES (-1 missing)."""
    negative, bad_den, over = _error_flags(o, d, vt_code != VALUE_TYPES.index("count"),
                                           vt_code == VALUE_TYPES.index("proportion"))
    errors = _error_messages(o, d, negative, bad_den, over)
    ok = ~(negative | bad_den | over)
    # Only rows with something missing are computed (each row's figures depend on that row alone).
    ok &= (np.isnan(out["value"]) | (np.isnan(out["lower95"]) & np.isnan(out["upper95"]))
           | (np.isnan(out["lower998"]) & np.isnan(out["upper998"])))

    for value_type in ("proportion", "crude_rate", "count"):
        rows = ok & (vt_code == VALUE_TYPES.index(value_type)) & ~np.isnan(o)
        if value_type != "count":
            rows &= ~np.isnan(d) & ~np.isnan(mult)
        if not rows.any():
            continue
        oo, dd = o[rows], d[rows]
        mm = mult[rows] if value_type != "count" else np.ones(rows.sum())
        for lo_name, hi_name, conf in _LIMIT_PAIRS:
            value, lo, hi = _value_and_limits(oo, dd, value_type, 1.0, conf)
            if value_type != "count":
                value, lo, hi = value * mm, lo * mm, hi * mm
            fill = np.isnan(out[lo_name][rows]) & np.isnan(out[hi_name][rows])
            for name, computed in ((lo_name, lo), (hi_name, hi)):
                current = out[name][rows]
                current[fill] = computed[fill]
                out[name][rows] = current
            if conf == 0.95:
                current = out["value"][rows]
                vfill = np.isnan(current)
                current[vfill] = value[vfill]
                out["value"][rows] = current
    return errors
