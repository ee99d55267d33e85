"""DfE's children-in-need counts with drug misuse as a factor (table C3, in Fingertips layout in data/real/) as
template rows of `csc_assessments_drugs`: the share of assessment episodes with at least one factor identified
in which drug misuse by a parent was a factor. Shares of DfE's own published counts: no population is assumed.

The file's shares for drug misuse by the child and by another person in the household are other factors, not
parts of the parental figure: loaded as its breakdowns they would be compared with it as if they were subgroups
(the Inequalities page's "compared with the area overall"), so they are not loaded."""

from __future__ import annotations

import pandas as pd

from metrics.areas import Geography
from metrics.columns import DEFAULT_BREAKDOWN
from metrics.ingest.text import TEMPLATE_COLUMNS

METRIC = "csc_assessments_drugs"
# The file's indicator names (as its script wrote them), by what each counts.
WHO = {
    "by a parent": DEFAULT_BREAKDOWN,
    "by the child": "Drug misuse by the child",
    "by another person living in the household": "Drug misuse by another person in the household",
}
ANY_FACTOR = "at least one factor"
# County codes DfE used before a unitary authority with the same boundaries took over (ONS codes for 2023).
SAME_BOUNDARIES = {"E10000002": "E06000060", "E10000023": "E06000065", "E10000027": "E06000066"}
CITATION = (
    "DfE, Children in need statistics, reporting year 2025 release, table C3 'Factors identified at the end of "
    "assessment': episodes with drug misuse {who} identified as a factor, as a share of episodes with at least "
    "one factor identified. Contains public sector information licensed under the Open Government Licence v3.0"
)


def _kind(name: str) -> str | None:
    if ANY_FACTOR in name:
        return "any"
    return next((who for who in WHO if f"drug misuse {who} identified" in name), None)


def dfe_cin_template(path, geography: Geography) -> tuple[pd.DataFrame, list[str]]:
    """The file as upload-template rows of csc_assessments_drugs, and what was left out and why."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    raw["kind"] = raw["Indicator Name"].map(_kind)
    if raw["kind"].isna().any():
        raise ValueError(f"{path}: indicator {raw.loc[raw['kind'].isna(), 'Indicator Name'].iloc[0]!r} is not known")
    skipped: list[str] = []
    code = raw["Area Code"].str.strip()
    current = code.map(lambda c: SAME_BOUNDARIES.get(c) or geography.resolve_code(c))
    left_out = raw.loc[current.isna(), ["Area Code", "Area Name"]].value_counts().sort_index()
    for (c, name), n in zip(left_out.index.tolist(), left_out.tolist(), strict=True):
        skipped.append(f"{c} {name}: {n} rows (not a current upper-tier authority, region or England)")
    raw = raw.assign(area=current, moved=code != current).loc[current.notna()]
    count = pd.to_numeric(raw["Count"].where(raw["Count"] != ""), errors="coerce")
    raw = raw.assign(count=count)
    keys = ["area", "Time period"]
    any_factor = raw.loc[raw["kind"] == "any", [*keys, "count", "Value note"]]
    parts = raw[raw["kind"] == "by a parent"].merge(
        any_factor.rename(columns={"count": "denominator", "Value note": "denominator_note"}), on=keys, how="left"
    )
    shareable = parts["count"].notna() & (parts["denominator"] > 0)
    value = (parts["count"] / parts["denominator"] * 100).map(lambda v: f"{v:.6f}").where(shareable, "")
    note_parts = [
        parts["Value note"],
        ("no share: episodes with at least one factor not published (" + parts["denominator_note"] + ")").where(
            parts["denominator"].isna(), ""
        ),
        pd.Series("no share: no episode had a factor identified", index=parts.index).where(
            parts["denominator"] == 0, ""
        ),
        ("published under the former code " + parts["Area Code"] + " (same boundaries)").where(parts["moved"], ""),
        pd.Series("counts rounded to the nearest 10 by DfE", index=parts.index).where(
            parts["Area Type"].isin(["England", "Region"]), ""
        ),
    ]
    value_note = pd.concat(note_parts, axis=1).apply(lambda row: "; ".join(n for n in row if n), axis=1)
    denominator = parts["denominator"].where(parts["denominator"] > 0)
    rows = pd.DataFrame(
        {
            "metric_key": METRIC,
            "area_code": parts["area"],
            "period": parts["Time period"],
            "breakdown": parts["kind"].map(WHO),
            "value": value,
            "count": parts["count"].map(lambda v: f"{v:g}", na_action="ignore").fillna(""),
            "denominator": denominator.map(lambda v: f"{v:g}", na_action="ignore").fillna(""),
            "value_note": value_note,
            "source": parts["kind"].map(lambda who: CITATION.format(who=who)),
        }
    )
    for c in TEMPLATE_COLUMNS:
        if c not in rows:
            rows[c] = ""
    return rows[TEMPLATE_COLUMNS], skipped
