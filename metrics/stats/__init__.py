"""Public-health statistics, reproducing OHID Fingertips and PHEindicatormethods (R), one function per method.

Implemented from the published formulas (the OHID technical guidance and the project's statistics reference),
not from PHEindicatormethods' GPL code. Every function is vectorised over numpy arrays and pandas Series; when
every main input is a scalar it returns plain Python floats / strings instead of arrays.

  =========================  ========================================================  ============
  function                   method                                                    module
  =========================  ========================================================  ============
  wilson_ci                  proportion: Wilson score interval (Wilson 1927)            intervals
  byars_ci                   count: Byar's method, exact Poisson below 10              intervals
  rate_ci                    crude rate: Byar's / exact limits of the count / n        intervals
  dsr, esp2013               directly standardised rate, Dobson et al. (1991)          standardised
  compare, compare_two_level benchmark comparison at 95% (and 99.8%), Fingertips       comparison
  compare_goal               Red / Amber / Green against a goal                         comparison
  recent_trend               Fingertips' recent-trend marker for one series            trend
  trend_for_frame            the same for every row of a long frame                    trend
  quintiles, quintile_label  PHEindicatormethods' phe_quantile, k = 5                  distribution
  spine_stats                Fingertips' spine-chart range (worst, quartiles, best)    distribution
  aggregate                  pool member areas and recompute value and limits          pooling
  limits_for_frame           fill values and limits from counts, row by row            pooling
  row_errors, z_for          input checks; the normal quantile for a confidence level  inputs
  =========================  ========================================================  ============

The vectorised kernels derive runs on whole columns are public too: `vocabulary_codes`, `check_polarity`,
`check_value_type`, `wilson_limits`, `poisson_limits`, `compare_codes`, `goal_codes`, `trend_codes`,
`trend_codes_of_windows`, `chi2_trend_core`, `wls_trend_core`, `value_and_limits`, `fill_limits`. They take float
arrays and integer codes (indices into the tuples of metrics.vocabulary) and return codes, so the scalar
functions above and derive always share one implementation.

Conventions
-----------
* A missing input (None, NaN, pandas NA) gives a missing output for that row; it is never an error and never 0.
* An impossible input (negative count, denominator <= 0, count > denominator for a proportion) is an error for
  that row: vector calls return NaN for the row (and `row_errors` / `limits_for_frame` report the message);
  scalar calls raise `InvalidInput` with the message.
* Proportions from `wilson_ci` are fractions 0..1; callers multiply (e.g. by 100 for %).
* The codes and labels (value types, polarities, verdicts, trend labels) are declared in metrics.vocabulary.

This package never imports Streamlit.
"""

from metrics.stats.comparison import compare, compare_codes, compare_goal, compare_two_level, goal_codes
from metrics.stats.distribution import quintile_label, quintiles, spine_stats
from metrics.stats.inputs import (
    CHI2_TREND_THRESHOLD,
    CI95_WIDTH_IN_SE,
    Z95,
    Z998,
    InvalidInput,
    check_polarity,
    check_value_type,
    error_flags,
    error_masks,
    error_messages,
    row_errors,
    vocabulary_codes,
    z_for,
)
from metrics.stats.intervals import byars_ci, poisson_limits, rate_ci, wilson_ci, wilson_limits
from metrics.stats.pooling import (
    DSR_NOT_AGGREGATABLE,
    AggregateResult,
    aggregate,
    fill_limits,
    limits_for_frame,
    value_and_limits,
)
from metrics.stats.standardised import dsr, esp2013
from metrics.stats.trend import (
    PERIOD_KIND_CODE,
    TREND_COLUMNS,
    chi2_trend_core,
    recent_trend,
    trend_codes,
    trend_codes_of_windows,
    trend_for_frame,
    wls_trend_core,
)
from metrics.vocabulary import (
    ANNUAL_PERIOD_KINDS,
    CANNOT_BE_CALCULATED,
    COMPARE_LABELS,
    GOAL_LABELS,
    NO_SIGNIFICANT_CHANGE,
    NOT_COMPARED,
    POLARITIES,
    TREND_LABELS,
    VALUE_TYPES,
)

__all__ = [  # noqa: RUF022 -- grouped, the API analysts call before the kernels derive uses
    "Z95",
    "Z998",
    "CHI2_TREND_THRESHOLD",
    "CI95_WIDTH_IN_SE",
    "VALUE_TYPES",
    "POLARITIES",
    "ANNUAL_PERIOD_KINDS",
    "COMPARE_LABELS",
    "GOAL_LABELS",
    "TREND_LABELS",
    "CANNOT_BE_CALCULATED",
    "NO_SIGNIFICANT_CHANGE",
    "NOT_COMPARED",
    "DSR_NOT_AGGREGATABLE",
    "InvalidInput",
    "AggregateResult",
    "z_for",
    "row_errors",
    "wilson_ci",
    "byars_ci",
    "rate_ci",
    "dsr",
    "esp2013",
    "compare",
    "compare_two_level",
    "compare_goal",
    "recent_trend",
    "trend_for_frame",
    "quintiles",
    "quintile_label",
    "spine_stats",
    "aggregate",
    "limits_for_frame",
    # vectorised kernels
    "vocabulary_codes",
    "check_polarity",
    "check_value_type",
    "error_flags",
    "error_masks",
    "error_messages",
    "wilson_limits",
    "poisson_limits",
    "compare_codes",
    "goal_codes",
    "chi2_trend_core",
    "wls_trend_core",
    "trend_codes_of_windows",
    "trend_codes",
    "PERIOD_KIND_CODE",
    "TREND_COLUMNS",
    "value_and_limits",
    "fill_limits",
]
