"""Pooling member areas into an aggregate (CDP footprints, regions) and filling values and limits from counts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from metrics.stats.inputs import (
    _floats,
    _is_scalar,
    check_value_type,
    error_flags,
    error_messages,
    row_errors,
    vocabulary_codes,
    z_for,
)
from metrics.stats.intervals import poisson_limits, wilson_limits
from metrics.vocabulary import VALUE_TYPES

DSR_NOT_AGGREGATABLE = (
    "a directly standardised rate cannot be aggregated without the members' age-specific counts and populations"
)


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


def value_and_limits(o: np.ndarray, n: np.ndarray, vt: str, multiplier: float, confidence: float):
    """Value and limits from count (and denominator) for one value type; arrays in, arrays out.

    The kernel of aggregate and fill_limits: proportion -> Wilson x multiplier, crude_rate -> Byar's / exact
    of the count / n x multiplier, count -> Byar's / exact of the count; "dsr" (or anything else) -> NaN.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        if vt == "proportion":
            lo, hi = wilson_limits(o, n, z_for(confidence))
            return o / n * multiplier, lo * multiplier, hi * multiplier
        if vt == "crude_rate":
            lo, hi = poisson_limits(o, confidence)
            return o / n * multiplier, lo / n * multiplier, hi / n * multiplier
        if vt == "count":
            lo, hi = poisson_limits(o, confidence)
            return o.astype(float), lo, hi
    nan = np.full(np.shape(o), np.nan)
    return nan, nan, nan


def aggregate(
    counts: Any, denominators: Any, value_type: str, multiplier: float = 1, confidence: float = 0.95
) -> AggregateResult:
    """Pool member areas: sum the counts and denominators of the members that have both (just the counts for
    value type "count"), then recompute the value and limits with the value type's method:
    proportion -> count/denominator x multiplier with Wilson limits x multiplier (multiplier 100 for %);
    crude_rate -> Byar's / exact limits of the count / denominator x multiplier;
    count -> the summed count with Byar's / exact limits (multiplier and denominators unused).
    lower95/upper95 and lower998/upper998 are always filled; lower/upper are at `confidence`.

    Refuses (refused_reason set, numbers NaN) for a "dsr" (it cannot be pooled without age-specific counts and
    populations - never average DSRs), when no member has the needed counts, or when a member row is
    impossible (its row_errors message).

    Reference: OHID technical guidance "Combining areas" (pool numerators and denominators, never average
    rates); the project's statistics reference, "Aggregating areas".
    """
    vt = str(check_value_type(value_type).item())
    o = np.atleast_1d(_floats(counts)).astype(float).ravel()
    if vt == "count" and _is_scalar(denominators) and denominators is None:
        n = np.full(o.shape, np.nan)
    else:
        n = np.atleast_1d(_floats(denominators)).astype(float).ravel()
        o, n = np.broadcast_arrays(o, n)
    members = len(o)

    def refused(reason: str, used: int = 0) -> AggregateResult:
        return AggregateResult(
            math.nan,
            math.nan,
            math.nan,
            math.nan,
            math.nan,
            math.nan,
            math.nan,
            used,
            members - used,
            reason,
            math.nan,
            math.nan,
            confidence,
        )

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
    value, l95, u95 = value_and_limits(arr_o, arr_n, vt, multiplier, 0.95)
    _, l998, u998 = value_and_limits(arr_o, arr_n, vt, multiplier, 0.998)
    _, lo, hi = value_and_limits(arr_o, arr_n, vt, multiplier, confidence)
    return AggregateResult(
        float(value[0]),
        float(l95[0]),
        float(u95[0]),
        float(l998[0]),
        float(u998[0]),
        total_o,
        total_n,
        used,
        members - used,
        None,
        float(lo[0]),
        float(hi[0]),
        confidence,
    )


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
    vt_code = (
        vocabulary_codes(df["value_type"], VALUE_TYPES, check_value_type, allow_missing=True)
        if n_rows
        else np.empty(0, dtype=np.int8)
    )
    mult = _floats(df["multiplier"]).astype(float)
    o = _floats(df["count"]).astype(float)
    d = _floats(df["denominator"]).astype(float)

    def col(name: str) -> np.ndarray:
        return _floats(df[name]).astype(float).copy() if name in df.columns else np.full(n_rows, np.nan)

    out = {name: col(name) for name in ("value", "lower95", "upper95", "lower998", "upper998")}
    errors = fill_limits(out, vt_code, mult, o, d)
    result = pd.DataFrame(out, index=idx)
    result["error"] = pd.Series(errors, index=idx, dtype=object)
    return result


def fill_limits(
    out: dict[str, np.ndarray], vt_code: np.ndarray, mult: np.ndarray, o: np.ndarray, d: np.ndarray
) -> np.ndarray:
    """limits_for_frame on arrays: fills `out`'s float arrays (value, lower95, upper95, lower998, upper998) in
    place and returns the row errors (object array, None for none). `vt_code` indexes VALUE_TYPES (-1 missing)."""
    negative, bad_den, over = error_flags(
        o, d, vt_code != VALUE_TYPES.index("count"), vt_code == VALUE_TYPES.index("proportion")
    )
    errors = error_messages(o, d, negative, bad_den, over)
    ok = ~(negative | bad_den | over)
    # Only rows with something missing are computed (each row's figures depend on that row alone).
    ok &= (
        np.isnan(out["value"])
        | (np.isnan(out["lower95"]) & np.isnan(out["upper95"]))
        | (np.isnan(out["lower998"]) & np.isnan(out["upper998"]))
    )

    for value_type in ("proportion", "crude_rate", "count"):
        rows = ok & (vt_code == VALUE_TYPES.index(value_type)) & ~np.isnan(o)
        if value_type != "count":
            rows &= ~np.isnan(d) & ~np.isnan(mult)
        if not rows.any():
            continue
        oo, dd = o[rows], d[rows]
        mm = mult[rows] if value_type != "count" else np.ones(rows.sum())
        for lo_name, hi_name, conf in _LIMIT_PAIRS:
            value, lo, hi = value_and_limits(oo, dd, value_type, 1.0, conf)
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
