"""Where an area sits among areas of its type: quintiles and the spine chart's range."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats as _sps

from metrics.stats.inputs import _floats, _is_scalar, check_polarity
from metrics.vocabulary import NOT_COMPARED, QUINTILE_WORDS


def quintiles(values: Any, polarity: str) -> np.ndarray:
    """Quintile 1..5 of each value among the areas given (float array; NaN for a missing value).

    Quintile 1 is the best (lowest values for lower_is_better, highest for higher_is_better) or, for
    no_polarity, the lowest values. All NaN when fewer than 5 areas have values.

    Rule: PHEindicatormethods' phe_quantile / OHID technical guide "Assigning deprivation categories":
        rank = rank of the (oriented) value, ties to the minimum rank; N = number of values, k = 5
        quintile = floor((k + 1) - ceil(((N + 1) - rank) / (N / k))), a result of 0 set to 1
    oriented by ranking (max - value) when 1 must hold the highest values (higher_is_better), as phe_quantile's
    `invert` does, and the raw value otherwise.

    Reference: PHEindicatormethods phe_quantile (nquantiles = 5); OHID technical guide "Assigning
    deprivation categories". Edge cases: ties share the lower quintile; fewer than 5 values -> all NaN.
    """
    pol = str(check_polarity(polarity).item())
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
    pol = check_polarity(polarity)
    scalar = _is_scalar(q, polarity)
    qq, pol = np.broadcast_arrays(_floats(q), pol)
    out = np.full(qq.shape, NOT_COMPARED, dtype=object)
    for polar, words in QUINTILE_WORDS.items():
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

    Reference: OHID Fingertips spine chart ("Area profiles"), IndicatorStatsCalculator in the Fingertips
    source. Edge cases: missing values are left out; no values -> every field but n is NaN.
    """
    pol = str(check_polarity(polarity).item())
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
