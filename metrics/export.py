"""Exports of what the pages show: every derived value with its limits, comparisons, trend, goal status,
demonstration flag, source (as a citation) and note; in the dashboard's own columns or in Fingertips' download
layout, which the Fingertips reader loads back (tests/metrics/test_export.py).

A publisher's verdict on a value without an interval is "Better (as published)" in the dashboard's columns and
Fingertips' own word ("Better") in Fingertips' layout, where the reader takes it back as the publisher's.
"""

from __future__ import annotations

import pandas as pd

from metrics.areas import Geography
from metrics.catalogue import Catalogue
from metrics.columns import DEFAULT_BREAKDOWN, OBS_NUMBERS
from metrics.ingest.readers.fingertips import ALL_DATA_HEADER
from metrics.presentation.formats import short_source
from metrics.vocabulary import AS_PUBLISHED

__all__ = ["DERIVED_COLUMNS", "FINGERTIPS_COLUMNS", "FOOTPRINT_AREA_TYPE", "derived_frame", "fingertips_frame"]

DERIVED_COLUMNS = [
    "metric_key",
    "metric_name",
    "unit",
    "area_code",
    "area_name",
    "level",
    "region_code",
    "period",
    "breakdown",
    *OBS_NUMBERS,
    "england_value",
    "region_value",
    "compared_to_england",
    "compared_to_region",
    "recent_trend",
    "compared_to_goal",
    "is_aggregate",
    "aggregation_note",
    "is_demo",
    "source",
    "value_note",
]
FINGERTIPS_COLUMNS = ALL_DATA_HEADER
# Fingertips has no area type for a joint partnership footprint; this one says what the rows are, and the
# Fingertips reader skips it (with a warning) as it skips any area type the dashboard does not hold.
FOOTPRINT_AREA_TYPE = "Combating Drugs Partnership footprint (aggregated by the dashboard)"
_AREA_TYPE = {
    "england": "England",
    "region": "Region",
    "utla": "Counties & UAs (from Apr 2023)",
    "cdp": FOOTPRINT_AREA_TYPE,
}
_SEXES = {"Male", "Female"}
_RANGE = {"three_year_pooled": "3y", "quarter": "3m", "rolling_12_months": "12m"}


def derived_frame(rows: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Store.derived_rows() in the export's columns: names and units added, the source as a citation."""
    by_key = catalogue.by_key()
    out = rows.copy()
    out["metric_name"] = [by_key[k].name if k in by_key else "" for k in out["metric_key"]]
    out["unit"] = [by_key[k].unit if k in by_key else "" for k in out["metric_key"]]
    out["source"] = [short_source(s) for s in out["source"]]
    return out[DERIVED_COLUMNS].reset_index(drop=True)


def _breakdown_cells(breakdown: str) -> tuple[str, str, str]:
    """(Sex, Category Type, Category) for a stored breakdown, as the Fingertips reader builds it back."""
    if breakdown == DEFAULT_BREAKDOWN:
        return "Persons", "", ""
    if breakdown in _SEXES:
        return breakdown, "", ""
    sex, _, rest = breakdown.partition(", ") if breakdown.split(", ")[0] in _SEXES else ("", "", breakdown)
    kind, sep, category = rest.partition(": ")
    return (sex or "Persons", kind, category) if sep else (sex or "Persons", "", rest)


def fingertips_frame(rows: pd.DataFrame, catalogue: Catalogue, geography: Geography) -> tuple[pd.DataFrame, list]:
    """Store.derived_rows() in Fingertips' download columns and words, and the metrics left out (no Fingertips
    indicator ID: the layout identifies a metric by it)."""
    by_key = catalogue.by_key()
    with_id = rows["metric_key"].map(lambda k: k in by_key and bool(by_key[k].fingertips_id))
    left_out = sorted(set(rows.loc[~with_id, "metric_key"]))
    rows = rows[with_id]
    cells = [_breakdown_cells(str(b)) for b in rows["breakdown"]]
    parent = rows["region_code"].where(rows["level"].isin(["utla", "cdp"]), None)
    parent = parent.where(rows["level"] != "region", "E92000001")

    def name_of(code) -> str:
        return geography.get(code).name if isinstance(code, str) and code in geography.areas else ""

    out = pd.DataFrame(
        {
            "Indicator ID": [by_key[k].fingertips_id for k in rows["metric_key"]],
            "Indicator Name": [by_key[k].name for k in rows["metric_key"]],
            "Parent Code": parent.fillna("").to_numpy(),
            "Parent Name": [name_of(c) for c in parent],
            "Area Code": rows["area_code"].to_numpy(),
            "Area Name": rows["area_name"].to_numpy(),
            "Area Type": [_AREA_TYPE.get(lv, lv) for lv in rows["level"]],
            "Sex": [c[0] for c in cells],
            "Age": "",
            "Category Type": [c[1] for c in cells],
            "Category": [c[2] for c in cells],
            "Time period": rows["period"].to_numpy(),
            "Value": rows["value"].to_numpy(),
            "Lower CI 95.0 limit": rows["lower95"].to_numpy(),
            "Upper CI 95.0 limit": rows["upper95"].to_numpy(),
            "Lower CI 99.8 limit": rows["lower998"].to_numpy(),
            "Upper CI 99.8 limit": rows["upper998"].to_numpy(),
            "Count": rows["count"].to_numpy(),
            "Denominator": rows["denominator"].to_numpy(),
            "Value note": rows["value_note"].to_numpy(),
            "Recent Trend": rows["recent_trend"].to_numpy(),
            "Compared to England value or percentiles": [
                str(v).removesuffix(AS_PUBLISHED) if isinstance(v, str) else v for v in rows["compared_to_england"]
            ],
            "Compared to Region value or percentiles": rows["compared_to_region"].to_numpy(),
            "Time period Sortable": rows["period_sortable"].to_numpy(),
            "New data": "",
            "Compared to goal": rows["compared_to_goal"].to_numpy(),
            "Time period range": [_RANGE.get(k, "1y") for k in rows["period_kind"]],
        }
    )
    return out[FINGERTIPS_COLUMNS].reset_index(drop=True), left_out
