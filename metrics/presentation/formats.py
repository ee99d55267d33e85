"""Number formats: values with their units, confidence intervals, counts, and what a missing value says.

Counts are whole numbers, everything else one decimal; a missing value with a note is "Suppressed" (never 0).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

SUPPRESSED = "Suppressed"

__all__ = [
    "SUPPRESSED",
    "format_ci",
    "format_count",
    "format_number",
    "format_value",
    "is_missing",
    "period_words",
    "short_source",
    "value_with_note",
]


_POOLED_SPACES = re.compile(r"^(\d{4}(?:/\d{2})?) - (\d{2}(?:/\d{2})?)$")
_MONTHS_RANGE = re.compile(r"^([A-Z][a-z]{2} \d{4}) - ([A-Z][a-z]{2} \d{4})$")


def period_words(label: Any) -> str:
    """A period as the pages and charts show it, in one style: pooled years without spaces ("2022-24",
    "2020/21-22/23", beside "2023/24"), rolling months in words ("Jul 2021 to Jun 2022"). The stored label
    (Fingertips' "2022 - 24") stays the key in the store and the URL."""
    if not isinstance(label, str):
        return "" if is_missing(label) else str(label)
    if m := _POOLED_SPACES.match(label):
        return f"{m[1]}-{m[2]}"
    if m := _MONTHS_RANGE.match(label):
        return f"{m[1]} to {m[2]}"
    return label


def is_missing(x: Any) -> bool:
    """None, pandas NA, NaN, or anything that reads as NaN; a text that is not a number is not missing."""
    if x is None or x is pd.NA:
        return True
    try:
        return bool(np.isnan(float(x)))
    except (TypeError, ValueError):
        return False


def format_number(value: Any, unit: str) -> str:
    """A bare number to the dashboard's precision: counts as whole numbers, everything else to 1 decimal."""
    if is_missing(value):
        return ""
    v = float(value)
    if unit == "count":
        return f"{v:,.0f}"
    return f"{v:,.1f}"


def format_value(value: Any, unit: str, note: Any = None) -> str:
    """A value with its unit ("51.7%", "16.0 per 1,000", "3,656"); "Suppressed" for a missing value that has a
    note (never 0), "No value" for one without."""
    if is_missing(value):
        return SUPPRESSED if isinstance(note, str) and note.strip() else "No value"
    n = format_number(value, unit)
    if unit == "%":
        return f"{n}%"
    if unit == "count":
        return n
    return f"{n} {unit}"


def format_ci(lower: Any, upper: Any, unit: str) -> str:
    """The 95% interval as "48.2 to 55.1" (with % for percentages); "" when not available."""
    if is_missing(lower) or is_missing(upper):
        return ""
    suffix = "%" if unit == "%" else ""
    return f"{format_number(lower, unit)}{suffix} to {format_number(upper, unit)}{suffix}"


def format_count(count: Any) -> str:
    return "" if is_missing(count) else f"{float(count):,.0f}"


def value_with_note(value: Any, unit: str, note: Any) -> str:
    """format_value, with the note after "Suppressed: " for a suppressed value."""
    text = format_value(value, unit, note)
    if text == SUPPRESSED and isinstance(note, str):
        return f"{SUPPRESSED}: {note}"
    return text


def value_or_reason(value: Any, unit: str, note: Any, aggregation_note: Any = None) -> str:
    """value_with_note; for an aggregate with no value, the reason in words from its aggregation note
    ("Not available: Worcestershire's 2021/22 figure was published without counts")."""
    if is_missing(value) and isinstance(aggregation_note, str) and aggregation_note.strip():
        return aggregation_note
    return value_with_note(value, unit, note)


_FINGERTIPS_UPLOAD = re.compile(r"^Fingertips indicator (\S+) download .*$", re.S)
_NDTMS_UPLOAD = re.compile(r"^NDTMS ViewIt export .*$", re.S)
_TEMPLATE_UPLOAD = re.compile(r"^Upload .*$", re.S)


def short_source(src: Any) -> str:
    """A row's source as a citation a reader can check: demonstration data says so in words, and the sources an
    upload's reader records (which name the uploaded file) become the publisher and product."""
    if not isinstance(src, str):
        return ""
    if src.startswith("DEMONSTRATION"):
        return "Demonstration data (not real)"
    fingertips = _FINGERTIPS_UPLOAD.match(src)
    if fingertips:
        return f"OHID Fingertips, Public Health Profiles, indicator {fingertips.group(1)} (data download)"
    if _NDTMS_UPLOAD.match(src):
        return "OHID National Drug Treatment Monitoring System, ViewIt export"
    if _TEMPLATE_UPLOAD.match(src):
        return "Uploaded by an analyst without a source (the file's source column was empty)"
    return src
