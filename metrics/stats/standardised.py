"""Directly standardised rates (Dobson's method) and the 2013 European Standard Population."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from metrics.stats.inputs import REFERENCE_DIR, InvalidInput, _floats, _fmt
from metrics.stats.intervals import poisson_limits


def dsr(
    counts: Any, populations: Any, standard_populations: Any, multiplier: float = 100_000, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Directly standardised rate of ONE area, with Dobson's confidence limits; returns (value, lower, upper).

        DSR   = sum(w_i O_i / n_i) / sum(w_i) x multiplier           (w_i the standard population, e.g. esp2013())
        var   = sum(w_i^2 O_i / n_i^2) / (sum w_i)^2
        limit = DSR + sqrt(var / O) x (O_limit - O) x multiplier     (O = sum O_i, O_limit Byar's of O)

    The inputs are aligned by position (one entry per age band). As PHEindicatormethods: a missing age-band
    count counts as 0; a missing population makes the result missing; a total count O < 10 gives NaN for the
    value and both limits (not published). A negative count or a population <= 0 raises InvalidInput; bands of
    different lengths raise ValueError.

    Reference: Dobson AJ, Kuulasmaa K, Eberle E, Scherer J (1991) "Confidence intervals for weighted sums of
    Poisson parameters", Statistics in Medicine 10:457-462; OHID technical guidance "Directly standardised rates";
    PHEindicatormethods phe_dsr.
    """
    o = np.atleast_1d(_floats(counts)).astype(float).ravel()
    n = np.atleast_1d(_floats(populations)).astype(float).ravel()
    w = np.atleast_1d(_floats(standard_populations)).astype(float).ravel()
    if not (len(o) == len(n) == len(w)):
        raise ValueError(
            f"counts ({len(o)}), populations ({len(n)}) and standard populations ({len(w)}) "
            "must have one entry per age band"
        )
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
    lo, hi = poisson_limits(np.array([total]), confidence)
    scale = math.sqrt(var / total) * multiplier
    return value, float(value + scale * (lo[0] - total)), float(value + scale * (hi[0] - total))


@lru_cache(maxsize=1)
def _esp2013_cached() -> pd.DataFrame:
    df = pd.read_csv(REFERENCE_DIR / "esp2013.csv", dtype={"age_band": "str", "standard_population": "int64"})
    if len(df) != 19 or int(df["standard_population"].sum()) != 100_000:
        raise ValueError("data/reference/esp2013.csv must hold the 19 ESP2013 bands summing to 100,000")
    return df


def esp2013() -> pd.DataFrame:
    """The 2013 European Standard Population: 19 five-year bands 0-4 ... 85-89, 90+ (sum 100,000).

    Columns age_band, standard_population; read from data/reference/esp2013.csv. Returns a fresh copy.

    Reference: Eurostat (2013) "Revision of the European Standard Population", the standard OHID uses for DSRs.
    """
    return _esp2013_cached().copy()
