"""Inputs shared by every method: the z values, input checking, per-row errors and the vocabulary codes the
vectorised kernels work on.

Every method accepts scalars, lists, numpy arrays and pandas Series; `as_floats` reads any of them as floats with
None / pd.NA / NaT as NaN, and a scalar call answers with plain floats or strings. A missing input gives a missing
output; an impossible one (negative count, denominator <= 0, count above the denominator of a proportion) is an
error for its row: NaN in a vector call (and a `row_errors` message), `InvalidInput` in a scalar call.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _sps

from metrics.vocabulary import POLARITIES, VALUE_TYPES

Z95 = 1.959964
Z998 = 3.090232
#: chi-squared (1 df) critical value at p = 0.002 used by Fingertips' recent-trend markers.
CHI2_TREND_THRESHOLD = 9.5495
#: (UCL95 - LCL95) / 3.92 estimates the standard error from a 95% interval.
CI95_WIDTH_IN_SE = 3.92

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"


class InvalidInput(ValueError):
    """An impossible statistical input (negative count, denominator <= 0, count > denominator...)."""


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


def check_polarity(polarity: Any) -> np.ndarray:
    """Polarity as an object array; ValueError naming any value that is not one of POLARITIES."""
    pol = _objects(polarity)
    flat = pol.ravel()
    bad = ~pd.Series(flat, dtype=object).isin(POLARITIES).to_numpy()
    if bad.any():
        unknown = sorted({repr(v) for v in flat[bad]})
        raise ValueError(f"unknown polarity {', '.join(unknown)}; expected one of {', '.join(POLARITIES)}")
    return pol


def check_value_type(value_type: Any, allow_missing: bool = False) -> np.ndarray:
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


def vocabulary_codes(x: Any, vocabulary: Sequence[str], check, **check_kw) -> np.ndarray:
    """Per row, the index of x's value in `vocabulary` (-1 for a missing value) as an int8 array.

    Hashes each distinct value once (pd.factorize) instead of comparing strings row by row. Any value outside the
    vocabulary (or a missing one, unless `check` allows it) is handed to `check` (check_polarity /
    check_value_type), which raises the same ValueError as it does for the whole column.

    A kernel derive uses to turn the catalogue's value types and polarities into codes once per column.
    """
    flat: pd.Series | pd.Index | np.ndarray
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


def error_masks(count: np.ndarray, denominator: np.ndarray, value_type: np.ndarray):
    """Boolean masks (negative count, bad denominator, count above denominator) - NaN never flags."""
    return error_flags(count, denominator, value_type != "count", value_type == "proportion")


def error_flags(count: np.ndarray, denominator: np.ndarray, uses_denominator, is_proportion):
    """error_masks given, per row, whether the value type uses a denominator and whether it is a proportion."""
    with np.errstate(invalid="ignore"):
        negative = count < 0
        bad_den = uses_denominator & (denominator <= 0) & ~negative
        over = is_proportion & (count > denominator) & ~negative & ~bad_den
    return negative, bad_den, over


def error_messages(c: np.ndarray, d: np.ndarray, negative, bad_den, over) -> np.ndarray:
    """row_errors' messages (or None) for 1-D counts and denominators and their error_flags."""
    out = np.full(c.shape, None, dtype=object)
    for i in np.flatnonzero(negative):
        out[i] = f"count is negative ({_fmt(c[i])}); a count cannot be below 0"
    for i in np.flatnonzero(bad_den):
        out[i] = f"denominator is {_fmt(d[i])}; a denominator must be above 0"
    for i in np.flatnonzero(over):
        out[i] = f"count ({_fmt(c[i])}) is greater than the denominator ({_fmt(d[i])}); a proportion cannot be above 1"
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

    Reference: the edge cases of PHEindicatormethods (an impossible numerator or denominator is an error for
    its row, a missing one a missing result).
    """
    c = np.atleast_1d(_floats(count))
    d = np.atleast_1d(_floats(denominator))
    vt = np.atleast_1d(check_value_type(value_type, allow_missing=True))
    c, d, vt = np.broadcast_arrays(c, d, vt)
    c, d, vt = c.ravel(), d.ravel(), vt.ravel()
    return error_messages(c, d, *error_masks(c, d, vt))


def _raise_if_error(count: Any, denominator: Any, value_type: str) -> None:
    err = row_errors(count, denominator, value_type)[0]
    if err is not None:
        raise InvalidInput(err)


def _labels(table: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """table[codes] as an object array of the codes' shape (0-d included)."""
    return table[np.atleast_1d(codes)].reshape(np.shape(codes))
