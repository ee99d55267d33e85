"""The delivery plan as the page and the report show it: by priority, statuses in words, overdue actions flagged,
each action's linked metrics with their latest value, verdict and trend. Pure functions over frames."""

from __future__ import annotations

from datetime import date

import pandas as pd

from metrics.catalogue import Catalogue
from metrics.paper.words import COMPLETE, NEEDS_ATTENTION, status_word
from metrics.presentation.formats import format_value, is_missing
from metrics.presentation.words import trend_words

OVERDUE = "Overdue"


def _date(v) -> date | None:
    if v is None or v is pd.NaT or is_missing(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    if isinstance(v, date):
        return v
    try:
        return date.fromisoformat(str(v)[:10])
    except ValueError:
        return None


def is_overdue(due, status, today: date) -> bool:
    """Due before today and not complete."""
    d = _date(due)
    return d is not None and d < today and status != COMPLETE


def metric_keys_of(text) -> list[str]:
    return [k.strip() for k in str(text or "").split(";") if k.strip()]


def linked_metric_words(key: str, latest: pd.DataFrame, catalogue: Catalogue) -> str:
    """ "Numbers in treatment 2023/24: 2,006, Similar (compared with England), ..." (or "no figure yet")."""
    by_key = catalogue.by_key()
    if key not in by_key:
        return f"{key} (no longer in the catalogue)"
    ind = by_key[key]
    rows = latest[latest["metric_key"] == key] if len(latest) else latest
    if rows is None or rows.empty or is_missing(rows.iloc[0]["value"]):
        return f"{ind.short_name}: no figure yet"
    r = rows.iloc[0]
    parts = [f"{ind.short_name} {r['period']}: {format_value(r['value'], ind.unit, r.get('value_note'))}"]
    verdict = r.get("compared_to_england")
    if isinstance(verdict, str) and verdict and ind.benchmarkable:
        parts.append(f"{verdict} (compared with England)")
    trend = trend_words(r.get("recent_trend"))
    if trend:
        parts.append(trend)
    demo = r.get("is_demo")
    if demo is not None and not is_missing(demo) and bool(demo):  # a numpy bool from the frame
        parts.append("Demo")
    return ", ".join(parts)


def with_own_latest(latest: pd.DataFrame, keys: list[str], series_of) -> pd.DataFrame:
    """`latest` (each metric in the latest period England has) plus, for linked metrics it lacks, the area's own
    latest figure (`series_of(key)`: the area's series of that metric), so a figure only the area has is shown."""
    missing = [k for k in dict.fromkeys(keys) if latest.empty or not (latest["metric_key"] == k).any()]
    extra = []
    for key in missing:
        series = series_of(key)
        if series is not None and len(series):
            series = series[series["value"].notna()] if "value" in series else series
            if len(series):
                extra.append(series.sort_values("period_sortable").iloc[[-1]])
    return pd.concat([latest, *extra], ignore_index=True) if extra else latest


def plan_table(actions: pd.DataFrame, latest: pd.DataFrame, catalogue: Catalogue, today: date) -> pd.DataFrame:
    """One row per action in plan order: priority, action, lead, partners, start, due, status (with its symbol),
    overdue, latest update, linked metrics in words, and the stored fields a filter needs."""
    columns = [
        "priority",
        "action",
        "lead",
        "partners",
        "start_date",
        "due_date",
        "status",
        "status_words",
        "overdue",
        "latest_update",
        "linked_metrics",
        "metric_keys",
        "action_id",
        "area_code",
        "written_by",
        "written_at",
    ]
    if actions.empty:
        return pd.DataFrame(columns=columns)
    out = actions.copy()
    # Priorities in the order they first appear in the plan; actions in plan order within each.
    first = {p: n for n, p in enumerate(dict.fromkeys(out["priority"]))}
    out["_p"] = out["priority"].map(first)
    out = out.sort_values(["_p", "position"], kind="stable").drop(columns="_p")
    for c in ("start_date", "due_date"):
        out[c] = pd.Series([_date(v) for v in out[c]], index=out.index, dtype=object)
    out["status_words"] = [status_word(s) for s in out["status"]]
    out["overdue"] = [is_overdue(d, s, today) for d, s in zip(out["due_date"], out["status"])]
    out["linked_metrics"] = [
        "; ".join(linked_metric_words(k, latest, catalogue) for k in metric_keys_of(keys))
        for keys in out["metric_keys"]
    ]
    return out.reindex(columns=columns).reset_index(drop=True)


def needs_attention(table: pd.DataFrame) -> pd.DataFrame:
    """The actions off track or overdue (the paper's red list)."""
    if table.empty:
        return table
    return table[table["status"].isin(NEEDS_ATTENTION) | table["overdue"].astype(bool)]
