"""Confidence intervals of one figure: Wilson's for a proportion, Byar's (exact Poisson below 10) for a count and a
crude rate.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats as _sps

from metrics.stats.inputs import _alpha_for, _floats, _is_scalar, _raise_if_error, error_masks, z_for


def wilson_limits(o: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson's limits as fractions 0..1 for float arrays of counts `o` and denominators `n` at normal quantile `z`
    (the kernel of wilson_ci, aggregate and derive's limits). No input checks: the caller masks impossible rows to
    NaN. O = 0 gives exactly 0 and O = n exactly 1 (float noise removed)."""
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

    Reference: Wilson EB (1927) "Probable inference, the law of succession, and statistical inference",
    JASA 22:209-212; OHID technical guidance "Confidence intervals" (proportions); PHEindicatormethods phe_proportion.
    Edge cases: a missing count or denominator -> NaN limits; count > denominator, count < 0 or denominator <= 0 ->
    InvalidInput (scalar) or NaN (vector).
    """
    z = z_for(confidence)
    scalar = _is_scalar(count, denominator)
    o, n = np.broadcast_arrays(_floats(count), _floats(denominator))
    if scalar:
        _raise_if_error(o, n, "proportion")
    negative, bad_den, over = error_masks(o, n, np.asarray("proportion", dtype=object))
    bad = negative | bad_den | over
    o = np.where(bad, np.nan, o)
    lower, upper = wilson_limits(o, n, z)
    if scalar:
        return float(lower), float(upper)
    return lower, upper


def poisson_limits(o: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Limits of an observed count: Byar's method for O >= 10, exact Poisson (chi-squared) below 10.

    Kernel of byars_ci, rate_ci and dsr: float array in (NaN and negative rows give NaN), two arrays out.
    Reference: Breslow NE, Day NE (1987) Statistical methods in cancer research vol. II (Byar's approximation);
    OHID technical guidance "Confidence intervals for a count".
    """
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

    Reference: Breslow NE, Day NE (1987) Statistical methods in cancer research vol. II, p. 69 (Byar's
    approximation); OHID technical guidance "Confidence intervals" (counts and rates); PHEindicatormethods byars_lower /
    byars_upper. Edge cases: O = 0 gives lower 0 and upper chi2.ppf(1 - alpha/2, 2)/2 (3.689 at 95%).
    """
    scalar = _is_scalar(count)
    o = _floats(count)
    if scalar:
        _raise_if_error(o, np.nan, "count")
    lower, upper = poisson_limits(np.atleast_1d(o), confidence)
    if scalar:
        return float(lower[0]), float(upper[0])
    return lower.reshape(o.shape), upper.reshape(o.shape)


def rate_ci(count: Any, denominator: Any, multiplier: float = 100_000, confidence: float = 0.95):
    """Limits of a crude rate count/denominator x multiplier: Byar's / exact limits of the count, / n x multiplier.

    Scalar call raises InvalidInput for a negative count or a denominator <= 0; vector call gives NaN.

        lower, upper = O_lower / n x multiplier, O_upper / n x multiplier     (O_lower, O_upper as byars_ci)

    Reference: OHID technical guidance "Crude rates"; PHEindicatormethods phe_rate. Edge cases: a missing count or
    denominator -> NaN limits; a count of 0 gives lower 0.
    """
    scalar = _is_scalar(count, denominator)
    o, n = np.broadcast_arrays(np.atleast_1d(_floats(count)), np.atleast_1d(_floats(denominator)))
    if scalar:
        _raise_if_error(o, n, "crude_rate")
    negative, bad_den, _ = error_masks(o, n, np.asarray("crude_rate", dtype=object))
    bad = negative | bad_den
    lo, hi = poisson_limits(np.where(bad, np.nan, o), confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = lo / n * multiplier
        upper = hi / n * multiplier
    if scalar:
        return float(lower[0]), float(upper[0])
    shape = np.broadcast_shapes(np.shape(count), np.shape(denominator))
    return lower.reshape(shape), upper.reshape(shape)
