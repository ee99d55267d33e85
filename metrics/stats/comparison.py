"""Comparing an area with a benchmark (Better / Similar / Worse, Lower / Higher, two levels) and with a goal
(Green / Amber / Red), as Fingertips does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from metrics.stats.inputs import _floats, _is_scalar, _labels, _objects, check_polarity, vocabulary_codes
from metrics.vocabulary import (
    COMPARE_LABELS,
    COMPARE_WORDS_BY_POLARITY,
    GOAL_LABELS,
    NOT_COMPARED,
    POLARITIES,
    SIGNIFICANT_AT_95,
    SIGNIFICANT_AT_998,
)

_COMPARE_LABELS = np.array(COMPARE_LABELS, dtype=object)
# by polarity code (index into POLARITIES): the verdict's code when significantly lower / higher
_LOW_CODE = np.array([COMPARE_LABELS.index(COMPARE_WORDS_BY_POLARITY[p][0]) for p in POLARITIES], dtype=np.int8)
_HIGH_CODE = np.array([COMPARE_LABELS.index(COMPARE_WORDS_BY_POLARITY[p][1]) for p in POLARITIES], dtype=np.int8)
_GOAL_LABELS = np.array(GOAL_LABELS, dtype=object)


def compare_codes(v, lo, hi, b, pol_code, is_bench):
    """`compare` on float arrays and polarity codes (indices into POLARITIES): verdict codes (indices into
    COMPARE_LABELS), and the significantly-lower and significantly-higher masks.
    The kernel of compare and compare_two_level, and of derive's comparisons with England and the region:
    `pol_code` indexes POLARITIES, `is_bench` marks the benchmark's own rows (never compared with itself).
    """
    with np.errstate(invalid="ignore"):
        missing = np.isnan(v) | np.isnan(lo) | np.isnan(hi) | np.isnan(b) | is_bench
        below = hi < b
        above = lo > b
    out = np.where(above, _HIGH_CODE[pol_code], np.where(below, _LOW_CODE[pol_code], np.int8(0)))
    out = np.where(missing, np.int8(COMPARE_LABELS.index(NOT_COMPARED)), out).astype(np.int8)
    return out, below & ~missing, above & ~missing


def _compare_arrays(v, lo, hi, b, pol_code, is_bench):
    codes, below, above = compare_codes(v, lo, hi, b, pol_code, is_bench)
    return _labels(_COMPARE_LABELS, codes), below, above


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

    Reference: OHID Fingertips "Comparing an indicator value to a benchmark" (the confidence-interval overlap
    method); PHE (2018) "Technical guide: assessing statistical significance".
    """
    pol = vocabulary_codes(polarity, POLARITIES, check_polarity)
    scalar = _is_scalar(value, lower, upper, benchmark, polarity, is_benchmark_area)
    v, lo, hi, b, pol, bench = np.broadcast_arrays(
        _floats(value), _floats(lower), _floats(upper), _floats(benchmark), pol, _bench_mask(is_benchmark_area)
    )
    out, _, _ = _compare_arrays(v, lo, hi, b, pol, bench)
    return str(out.item()) if scalar else out


def compare_two_level(
    value: Any,
    lower95: Any,
    upper95: Any,
    lower998: Any,
    upper998: Any,
    benchmark: Any,
    polarity: Any,
    is_benchmark_area: Any = False,
):
    """Two-level Fingertips comparison: "Better (99.8%)", "Better (95%)", "Similar", "Worse (95%)",
    "Worse (99.8%)" (or "Lower/Higher (...)" for no_polarity), "Not compared".

    Same test as `compare` at each level: not significant at 95% -> "Similar"; significant at 99.8% -> "(99.8%)",
    otherwise "(95%)". All four limits, the value and the benchmark are needed, else "Not compared" (fill missing
    99.8% limits first with `limits_for_frame` when counts are known).

    Reference: OHID Fingertips' two-level comparison ("99.8% and 95% confidence intervals"), as used for
    indicators whose benchmark option is "Confidence intervals (95.0 and 99.8)".
    """
    pol = vocabulary_codes(polarity, POLARITIES, check_polarity)
    scalar = _is_scalar(value, lower95, upper95, lower998, upper998, benchmark, polarity, is_benchmark_area)
    v, l95, u95, l998, u998, b, pol, bench = np.broadcast_arrays(
        _floats(value),
        _floats(lower95),
        _floats(upper95),
        _floats(lower998),
        _floats(upper998),
        _floats(benchmark),
        pol,
        _bench_mask(is_benchmark_area),
    )
    with np.errstate(invalid="ignore"):
        bench = bench | np.isnan(l998) | np.isnan(u998)
    out95, below95, above95 = _compare_arrays(v, l95, u95, b, pol, bench)
    _, below998, above998 = _compare_arrays(v, l998, u998, b, pol, bench)
    level = np.where((below95 & below998) | (above95 & above998), SIGNIFICANT_AT_998, SIGNIFICANT_AT_95)
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

    Reference: OHID Fingertips' "Compared to goal" benchmark (Public Health Outcomes Framework goals).
    """
    pol = vocabulary_codes(polarity, POLARITIES, check_polarity)
    scalar = _is_scalar(value, lower, upper, goal, polarity)
    v, lo, hi, g, pol = np.broadcast_arrays(_floats(value), _floats(lower), _floats(upper), _floats(goal), pol)
    out = _labels(_GOAL_LABELS, goal_codes(v, lo, hi, g, pol))
    return str(out.item()) if scalar else out


def goal_codes(v, lo, hi, g, pol_code) -> np.ndarray:
    """`compare_goal` on float arrays and polarity codes (indices into POLARITIES): indices into GOAL_LABELS.

    The kernel of compare_goal and of derive's target statuses; `pol_code` indexes POLARITIES.
    """
    with np.errstate(invalid="ignore"):
        meets = np.where(pol_code == POLARITIES.index("higher_is_better"), v >= g, v <= g)
        has_ci = ~np.isnan(lo) & ~np.isnan(hi)
        goal_in_ci = has_ci & (lo <= g) & (g <= hi)
    out = np.where(meets, np.int8(0), np.where(goal_in_ci, np.int8(1), np.int8(2)))
    not_compared = np.isnan(v) | np.isnan(g) | (pol_code == POLARITIES.index("no_polarity"))
    return np.where(not_compared, np.int8(3), out).astype(np.int8)
