"""Tables the pages show: the scorecard, the tartan rug, a series' table under its chart, and the spine chart's rows.

Each takes store query results (plain frames) and catalogue entries and returns a frame of display text.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from metrics.areas import ENGLAND_CODE, Geography
from metrics.catalogue import Indicator
from metrics.presentation.demo import DEMO_MARK, mark_demo
from metrics.presentation.formats import (
    format_ci,
    format_count,
    format_value,
    is_missing,
    period_words,
    short_source,
    value_or_reason,
    value_with_note,
)
from metrics.presentation.words import goal_words, trend_words
from metrics.vocabulary import LEVELS_IN_A_REGION, NOT_COMPARED, PERIOD_KIND_WORDS, PERIOD_KIND_WORDS_PLURAL

__all__ = [
    "PREVIEW_COLUMN_NAMES",
    "REVISION_COLUMN_NAMES",
    "SPINE_RANGE_COLUMNS",
    "in_area_profile",
    "latest_compared_words",
    "latest_period_of",
    "latest_trend_words",
    "member_figures_words",
    "other_kinds_words",
    "period_kinds_in_order",
    "period_kinds_with_others",
    "preview_for_display",
    "revisions_for_display",
    "rollback_plan_for_display",
    "scorecard_rows",
    "series_table",
    "spine_ranges",
    "spine_rows",
    "tartan_frame",
]


REVISION_COLUMN_NAMES = {
    "revision_id": "Revision",
    "description": "What it did",
    "created_at": "When (UTC)",
    "author": "By",
    "scope": "Under the rights of",
    "rows_new": "Rows added",
    "rows_changed": "Rows changed (figures or description)",
    "rows_unchanged": "Rows unchanged or kept",
    "rows_removed": "Rows removed",
    "undone": "Rolled back",
}


SCOPE_NOT_RECORDED = "not recorded (made before scopes were recorded)"


def scope_words(revisions: pd.DataFrame) -> list[str]:
    """Each revision's scope in words; a revision written before schema 7 has none recorded."""
    scopes = revisions["scope"] if "scope" in revisions else pd.Series([None] * len(revisions), dtype=object)
    return [str(s) if isinstance(s, str) and s else SCOPE_NOT_RECORDED for s in scopes]


def revisions_for_display(revisions: pd.DataFrame) -> pd.DataFrame:
    """store.revisions() as the Upload page lists them: readable column names, and whether each was rolled back
    (and by which revision) in words."""
    out = revisions.assign(
        undone=[f"Yes, by revision {int(r)}" if pd.notna(r) else "" for r in revisions["rolled_back_by"]],
        scope=scope_words(revisions),
    )
    return out[list(REVISION_COLUMN_NAMES)].rename(columns=REVISION_COLUMN_NAMES)


PREVIEW_COLUMN_NAMES = {
    "status": "Status",
    "metric_key": "Metric",
    "area_code": "Area code",
    "area_name": "Area",
    "period": "Period",
    "breakdown": "Breakdown",
    "old_value": "Value now",
    "value": "New value",
    "old_lower95": "Lower 95% now",
    "lower95": "New lower 95%",
    "old_upper95": "Upper 95% now",
    "upper95": "New upper 95%",
    "old_count": "Count now",
    "count": "New count",
    "old_denominator": "Denominator now",
    "denominator": "New denominator",
    "old_source": "Source now",
    "source": "New source",
    "old_value_note": "Note now",
    "value_note": "New note",
    "old_published_comparison": "Published comparison now",
    "published_comparison": "New published comparison",
    "new": "New",
    "changed": "Changed",
    "description changed": "Description changed",
    "unchanged": "Unchanged",
}


def preview_for_display(frame: pd.DataFrame) -> pd.DataFrame:
    """A preview frame (pipeline.preview's table or store.preview_changes) with readable column names, the area's
    name beside its code; columns not listed in PREVIEW_COLUMN_NAMES are left out."""
    cols = [c for c in PREVIEW_COLUMN_NAMES if c in frame.columns]
    return frame[cols].rename(columns=PREVIEW_COLUMN_NAMES)


def rollback_plan_for_display(cells: pd.DataFrame) -> pd.DataFrame:
    """store.rollback_preview's cells as the confirmation lists them: what each becomes, in words."""
    return pd.DataFrame(
        {
            "Action": [
                "Restore earlier value" if a == "restore" else "Remove (added by the revision)" for a in cells["action"]
            ],
            "Metric": cells["metric_key"].to_numpy(),
            "Area code": cells["area_code"].to_numpy(),
            "Area": cells["area_name"].to_numpy(),
            "Period": cells["period"].to_numpy(),
            "Breakdown": cells["breakdown"].to_numpy(),
            "Value now": cells["current_value"].to_numpy(),
            "Value after": cells["restored_value"].to_numpy(),
            "Source now": cells["current_source"].to_numpy(),
            "Source after": cells["restored_source"].to_numpy(),
        }
    )


def other_kinds_words(others: pd.DataFrame, catalogue, geography: Geography) -> str:
    """What the pages say when areas have a metric in a kind of period other than its own.

    others: store.other_period_kinds(...) (metric_key, area_code, period_kind, latest_period, periods)."""
    parts = []
    for (key_, kind_), g in others.groupby(["metric_key", "period_kind"], sort=False):
        key, kind = str(key_), str(kind_)
        ind = catalogue.get(key)
        areas = ", ".join(geography.areas[c].name if c in geography.areas else c for c in g["area_code"])
        n = int(g["periods"].max())
        words = PERIOD_KIND_WORDS_PLURAL.get(kind, kind) if n > 1 else PERIOD_KIND_WORDS.get(kind, kind)
        latest = g.sort_values("latest_sortable")["latest_period"].iloc[-1]
        parts.append(
            f"{ind.short_name} also has {n} {words} for {areas} (latest {latest}); shown here in "
            f"{PERIOD_KIND_WORDS_PLURAL.get(ind.period_kind, ind.period_kind)}, its own kind of period"
        )
    return "Other periods: " + "; ".join(parts) + "."


def period_kinds_in_order(rows: pd.DataFrame, own_kind: str) -> list[str]:
    """The kinds of period in a series, the metric's own kind first (its default view), then the others with
    the latest period first."""
    latest_first = rows[["period_sortable", "period_kind"]].sort_values("period_sortable", ascending=False)
    kinds = latest_first["period_kind"].drop_duplicates().tolist()
    return sorted(kinds, key=lambda k: k != own_kind)


def period_kinds_with_others(period_kinds: dict[str, str], others: pd.DataFrame) -> dict[str, str]:
    """period_kinds with each metric of `others` switched to its other kind of period (the one with the latest
    period when there are several)."""
    out = dict(period_kinds)
    if not others.empty:
        chosen = others.sort_values("latest_sortable").groupby("metric_key")["period_kind"].last()
        out.update({str(k): str(v) for k, v in chosen.items()})
    return out


def latest_period_of(latest: pd.DataFrame, metric_key: str) -> str | None:
    """The period a page opens on for some areas: the earliest of their own latest periods of one metric
    (Store.latest_for_areas, the one rule of "latest"), among the areas with a value, so that every area with
    the metric has a figure in it. For one area that is its latest, as on its scorecard; an upload of an earlier
    year for three authorities opens on that year. None without a row."""
    if latest.empty:
        return None
    rows = latest[latest["metric_key"] == metric_key]
    if rows.empty:
        return None
    with_value = rows[rows["value"].notna()]
    pick = with_value if not with_value.empty else rows
    return str(pick.sort_values("period_sortable")["period"].iloc[0])


def _present(row: Any, name: str) -> Any:
    value = row.get(name) if hasattr(row, "get") else None
    return None if is_missing(value) or value is None else value


def latest_compared_words(row: Any, ind: Indicator, bench_name: str = "England") -> str:
    """ "latest compared: 2019-21, 4.8 (3.8 to 6.0), Similar to England (4.9)" where the area's latest figure
    is not compared and an earlier one of the same series was; "" otherwise (row: Store.latest_for_areas')."""
    period = _present(row, "compared_period")
    if period is None or period == row.get("period"):
        return ""
    ci = format_ci(_present(row, "compared_lower95"), _present(row, "compared_upper95"), ind.unit)
    bench = _present(row, "compared_england_value")
    bench_text = f" ({format_value(bench, ind.unit)})" if bench is not None else ""
    verdict = str(row.get("compared_verdict"))
    relation = "to" if verdict == "Similar" else "than"
    return (
        f"latest compared: {period_words(period)}, {format_value(row.get('compared_value'), ind.unit)}"
        + (f" ({ci})" if ci else "")
        + f", {verdict} {relation} {bench_name}{bench_text}"
    )


def latest_trend_words(row: Any) -> str:
    """ "recent trend to 2019-21: increasing and getting worse" where the latest row's trend cannot be calculated
    and an earlier row's could; "" otherwise."""
    period = _present(row, "trend_period")
    if period is None or period == row.get("period"):
        return ""
    words = str(row.get("trend_verdict"))
    return f"recent trend to {period_words(period)}: {words[0].lower() + words[1:]}"


def member_figures_words(members_latest: pd.DataFrame | None, ind: Indicator, members: Mapping[str, str]) -> str:
    """Each member's own latest figure of one metric with its period, side by side, for a footprint whose own
    figure cannot honestly be computed: "Herefordshire, County of: 6.3 per 100,000 (2019 - 21); Worcestershire:
    4.8 per 100,000 (2022 - 24)"; a member without one says so. members: code -> name, in order. "" where no
    member has a figure."""
    if members_latest is None or not members:
        return ""
    rows = members_latest[members_latest["metric_key"] == ind.key] if not members_latest.empty else members_latest
    by_area = {r["area_code"]: r for r in rows.to_dict("records")} if not rows.empty else {}
    if not any(code in by_area for code in members):
        return ""  # nothing to show beside the reason
    parts = []
    for code, name in members.items():
        r = by_area.get(code)
        if r is None:
            parts.append(f"{name}: no figure")
            continue
        value = value_or_reason(r["value"], ind.unit, r["value_note"], r.get("aggregation_note"))
        parts.append(f"{name}: {mark_demo(value, r['is_demo'])} ({period_words(r['period'])})")
    return "; ".join(parts)


def scorecard_rows(
    indicators: Sequence[Indicator],
    area_code: str,
    area_level: str,
    latest: pd.DataFrame,
    england_latest: pd.DataFrame,
    region_latest: pd.DataFrame | None,
    sparks: pd.DataFrame,
    benchmark: str = "England",
    no_data_words: str = "No data",
    members_latest: pd.DataFrame | None = None,
    members: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One row per metric for the scorecard of one area.

    For a footprint (members_latest: store.latest_for_areas(its members), members: their codes -> names), "Members"
    gives each member's own figure side by side where the footprint's has no value (and the reason is in Value).

    "Data" says "Demo" for a demonstration value (else "Published"); England's value, when shown for a metric
    the area has none of, carries the mark in its cell. no_data_words: what a metric without a value for the
    area says ("No published data loaded" when demonstration values are hidden).
    latest: store.latest_for_area(area); england_latest / region_latest: the same for England and the region;
    sparks: store.sparklines(area). benchmark "England" or "Region" chooses the comparison column.
    Metrics not published at the area's level show where they are published and England's value (never a
    local value); local measures show "No data uploaded yet" when the area has none.
    """
    by_metric = latest.set_index("metric_key") if not latest.empty else pd.DataFrame()
    eng = england_latest.set_index("metric_key") if not england_latest.empty else pd.DataFrame()
    reg = (
        region_latest.set_index("metric_key")
        if region_latest is not None and not region_latest.empty
        else pd.DataFrame()
    )
    if not sparks.empty and not latest.empty:
        # Each metric's line keeps to the kind of period of the value beside it (years and quarters of one metric
        # are two series, not one line).
        kind = sparks["metric_key"].map(latest.drop_duplicates("metric_key").set_index("metric_key")["period_kind"])
        sparks = sparks[kind.isna().to_numpy() | (sparks["period_kind"] == kind).to_numpy()]
    spark = {k: g["value"].astype(float).tolist() for k, g in sparks.groupby("metric_key")} if not sparks.empty else {}
    rows = []
    for ind in indicators:
        r = by_metric.loc[ind.key] if ind.key in by_metric.index else None
        level_ok = area_level in ind.levels or (area_level == "cdp" and ind.published_locally)
        base = {"key": ind.key, "Indicator": ind.short_name, "Tier": ind.tier.capitalize(), "Unit": ind.unit}
        note = ""
        if r is not None and level_ok:
            value_text = value_or_reason(r["value"], ind.unit, r["value_note"], r.get("aggregation_note"))
            bench_col = "compared_to_england" if benchmark == "England" else "compared_to_region"
            comparison = r[bench_col]
            if isinstance(r.get("aggregation_note"), str) and r["aggregation_note"]:
                note = r["aggregation_note"]
            elif isinstance(r["value_note"], str):  # a suppressed value's too: Note holds in full what Value says
                note = r["value_note"]
            if not ind.benchmarkable and comparison == NOT_COMPARED:
                comparison = NOT_COMPARED
                note = (note + "; " if note else "") + "counts of different sizes are not compared"
            row = {
                **base,
                "Period": period_words(r["period"]),
                "Value": value_text,
                "Data": DEMO_MARK if bool(r["is_demo"]) else "Published",
                "95% CI": format_ci(r["lower95"], r["upper95"], ind.unit),
                "Count": format_count(r["count"]),
                # England may have no figure for an area's newer period: say so with the period.
                "England": ""
                if area_code == ENGLAND_CODE
                else f"No {r['period']} figure"
                if is_missing(r["england_value"])
                else format_value(r["england_value"], ind.unit),
                "Region": format_value(r["region_value"], ind.unit) if area_level in LEVELS_IN_A_REGION else "",
                f"Compared with {benchmark}": comparison,
                "Recent trend": trend_words(r["recent_trend"]),
                "Latest compared": latest_compared_words(r, ind) if benchmark == "England" else "",
                "Earlier trend": latest_trend_words(r),
                "Target": goal_words(r["compared_to_goal"], ind),
                "Trend": spark.get(ind.key, []),
                "Note": note,
                "Source": short_source(r["source"]),
                "is_demo": bool(r["is_demo"]),
                "Members": member_figures_words(members_latest, ind, members or {}) if is_missing(r["value"]) else "",
            }
        else:
            if ind.tier == "local":
                note, value_words = "No data uploaded yet for this local measure", "No data uploaded yet"
            elif not level_ok:
                note = f"Not published for this area: published for {ind.geography_words}".replace(
                    "; England shown", ""
                )
                value_words = "Not published locally"
            else:
                note, value_words = no_data_words + " for this area", no_data_words
            members_text = member_figures_words(members_latest, ind, members or {}) if level_ok else ""
            if members_text:
                # a footprint without a row of its own (its members' series differ: one real, one demonstration
                # hidden) says which member lacks a figure; the members' figures carry their own periods
                lacking = [n for n in (members or {}).values() if f"{n}: no figure" in members_text.split("; ")]
                value_words = (
                    "Not available: "
                    + " and ".join(lacking)
                    + (" has" if len(lacking) == 1 else " have")
                    + (" no published figure" if no_data_words != "No data" else " no figure")
                    if lacking
                    else "Not available for the footprint: its members' own figures are beside"
                )
                note = value_words
            e = eng.loc[ind.key] if ind.key in eng.index else None
            g = reg.loc[ind.key] if ind.key in reg.index else None
            row = {
                **base,
                "Period": period_words(e["period"]) if e is not None and not members_text else "",
                "Value": value_words,
                "Data": "",
                "95% CI": "",
                "Count": "",
                "England": mark_demo(value_with_note(e["value"], ind.unit, e["value_note"]), e["is_demo"])
                if e is not None
                else "",
                "Region": format_value(g["value"], ind.unit)
                if g is not None and area_level in LEVELS_IN_A_REGION
                else "",
                f"Compared with {benchmark}": NOT_COMPARED,
                "Recent trend": "",
                "Latest compared": "",
                "Earlier trend": "",
                "Target": goal_words(NOT_COMPARED, ind) if ind.target else "",
                "Trend": [],
                "Note": note
                + (
                    "; England's value is in the England column"
                    if e is not None and not (ind.tier == "local" and not level_ok)
                    else ""
                ),
                "Source": short_source(e["source"]) if e is not None else "",
                "is_demo": bool(e["is_demo"]) if e is not None else False,
                "Members": members_text,
            }
        rows.append(row)
    return pd.DataFrame(rows)


def in_area_profile(ind: Indicator) -> bool:
    """Published for local authorities and not a local measure: the metrics an area sits among England's
    authorities for (the tartan rug's rows; the spine's, counts apart)."""
    return ind.published_locally and ind.tier != "local"


def _without_unit(text: str, unit: str) -> str:
    return text.removesuffix(f" {unit}") if unit else text


def tartan_frame(
    indicators: Sequence[Indicator], latest: pd.DataFrame, area_codes: Sequence[str], geography: Geography
) -> pd.DataFrame:
    """Metrics x areas: each cell "value unit · comparison with England"; England's own value in a column.

    latest: store.latest_for_areas(area_codes + [England]). Metrics not published locally are left out.
    """
    # Any: pandas-stubs types itertuples' fields as any scalar, not as this frame's columns.
    by: dict[tuple[Any, Any], Any] = (
        {(r.metric_key, r.area_code): r for r in latest.itertuples()} if not latest.empty else {}
    )
    rows = []
    for ind in indicators:
        if not in_area_profile(ind):
            continue
        # A rate's unit ("per 100,000") goes with the indicator's name, not in every cell: the table then fits a
        # laptop's width with three areas (their last column was cut off at 1366 px).
        rate = ind.unit.startswith("per ")
        cell = functools.partial(_without_unit, unit=ind.unit if rate else "")

        row = {"key": ind.key, "Indicator": f"{ind.short_name}, {ind.unit}" if rate else ind.short_name}
        eng = by.get((ind.key, ENGLAND_CODE))
        row["Period"] = period_words(eng.period) if eng is not None else ""
        row["England"] = (
            mark_demo(cell(format_value(eng.value, ind.unit, eng.value_note)), eng.is_demo)
            if eng is not None
            else "No data"
        )
        for code in area_codes:
            r = by.get((ind.key, code))
            name = geography.areas[code].name if code in geography.areas else code
            if r is None:
                row[name] = "No data"
            else:
                period = "" if eng is not None and r.period == eng.period else f" ({period_words(r.period)})"
                value = cell(value_or_reason(r.value, ind.unit, r.value_note, getattr(r, "aggregation_note", None)))
                row[name] = mark_demo(f"{value}{period} · {r.compared_to_england}", r.is_demo)
        rows.append(row)
    return pd.DataFrame(rows)


def series_table(rows: pd.DataFrame, ind: Indicator) -> pd.DataFrame:
    """The trend data shown under a chart: one row per area and period, words and units included."""
    if rows.empty:
        return pd.DataFrame(
            columns=[
                "Area",
                "Period",
                "Value",
                "95% CI",
                "Count",
                "Denominator",
                "England",
                "Compared with England",
                "Recent trend",
                "Note",
                "Source",
            ]
        )
    out = pd.DataFrame(
        {
            "Area": rows["area_name"].to_numpy(),
            "Period": [period_words(p) for p in rows["period"]],
            "Value": [
                mark_demo(value_or_reason(v, ind.unit, n, a), d)
                for v, n, a, d in zip(
                    rows["value"],
                    rows["value_note"],
                    rows.get("aggregation_note", [None] * len(rows)),
                    rows["is_demo"].fillna(False),
                )
            ],
            "95% CI": [format_ci(lo, hi, ind.unit) for lo, hi in zip(rows["lower95"], rows["upper95"])],
            "Count": [format_count(c) for c in rows["count"]],
            "Denominator": [format_count(d) for d in rows["denominator"]],
            "England": [
                format_value(e, ind.unit) if c != ENGLAND_CODE else ""
                for e, c in zip(rows["england_value"], rows["area_code"])
            ],
            "Compared with England": rows["compared_to_england"].to_numpy(),
            "Recent trend": [trend_words(t) for t in rows["recent_trend"]],
            "Note": [
                n if isinstance(n, str) and not is_missing(v) else (a if isinstance(a, str) else "")
                for n, v, a in zip(rows["value_note"], rows["value"], rows.get("aggregation_note", [None] * len(rows)))
            ],
            "Source": [short_source(s) for s in rows["source"]],
        }
    )
    return out


SPINE_RANGE_COLUMNS = ["key", "Period", "worst", "q25", "q75", "best", "n"]


def spine_ranges(indicators: Sequence[Indicator], level_values: pd.DataFrame, spine_stats) -> pd.DataFrame:
    """Per metric on the spine: the authorities' latest period and England's range in it (worst, q25, q75, best,
    n; oriented by polarity). The same for every area, so the pages compute it once per data version.

    On the spine: metrics published for local authorities, not local measures, and not counts (people in
    treatment: England's total is no centre for an area's count)."""
    rows = []
    # Split the frame once by metric: filtering the whole frame once per metric is slow on every page.
    by_metric = {k: g for k, g in level_values.groupby("metric_key", sort=False)} if not level_values.empty else {}
    for ind in indicators:
        if not in_area_profile(ind) or not ind.benchmarkable:
            continue
        vals = by_metric.get(ind.key)
        if vals is None or vals.empty:
            continue
        rows.append(
            {
                "key": ind.key,
                "Period": vals["period"].iloc[0],
                **spine_stats(vals["value"].to_numpy(float), ind.polarity),
            }
        )
    return pd.DataFrame(rows, columns=SPINE_RANGE_COLUMNS)


def _spine_position(v, sign: float, centre: float, extent: float) -> float:
    """Where a value sits on the spine: 0 at England (`centre`), +/-1 at the further extreme, worse to the left."""
    return sign * (v - centre) / extent if extent and np.isfinite(extent) and not is_missing(v) else np.nan


# The columns of a latest-values frame that spine_rows reads.
_SPINE_READS = (
    "metric_key",
    "period",
    "value",
    "compared_to_england",
    "value_note",
    "count",
    "aggregation_note",
    "is_demo",
    "source",
)


def spine_rows(
    indicators: Sequence[Indicator],
    ranges: pd.DataFrame,
    area_latest: pd.DataFrame,
    england_latest: pd.DataFrame,
    region_latest: pd.DataFrame | None,
) -> pd.DataFrame:
    """The spine chart's rows for one area: each metric of `ranges` (spine_ranges) with the area's, England's and
    the region's values in the range's period, positions normalised around England (Fingertips): England at 0,
    the further extreme at +/-1, worse to the left."""
    rows = []

    def first_rows(df) -> dict[tuple[str, str], dict]:
        """Each (metric, period)'s first row, as a dict (a frame per group cost more than the rest together)."""
        rows_by: dict[tuple[str, str], dict] = {}
        if df is not None and not df.empty:
            for r in df[[c for c in _SPINE_READS if c in df.columns]].to_dict("records"):
                rows_by.setdefault((r["metric_key"], r["period"]), r)
        return rows_by

    area_by, eng_by, reg_by = first_rows(area_latest), first_rows(england_latest), first_rows(region_latest)
    by_key = {r["key"]: r for r in ranges.to_dict("records")}
    for ind in indicators:
        st_ = by_key.get(ind.key)
        if st_ is None:
            continue
        period = st_["Period"]
        a, e, g = (d.get((ind.key, period)) for d in (area_by, eng_by, reg_by))
        area_v = float(a["value"]) if a is not None else np.nan
        eng_v = float(e["value"]) if e is not None else np.nan
        reg_v = float(g["value"]) if g is not None else np.nan
        sign = -1.0 if ind.polarity == "lower_is_better" else 1.0
        extent = np.nanmax([abs(st_["worst"] - eng_v), abs(st_["best"] - eng_v)]) if not is_missing(eng_v) else np.nan
        pos = functools.partial(_spine_position, sign=sign, centre=eng_v, extent=extent)
        rows.append(
            {
                "key": ind.key,
                "outcome": ind.outcome,
                "Indicator": ind.short_name,
                "unit": ind.unit,
                "Period": period,
                "area_value": area_v,
                "england_value": eng_v,
                "region_value": reg_v,
                "worst": st_["worst"],
                "q25": st_["q25"],
                "q75": st_["q75"],
                "best": st_["best"],
                "n": st_["n"],
                "p_worst": pos(st_["worst"]),
                "p_q25": pos(st_["q25"]),
                "p_q75": pos(st_["q75"]),
                "p_best": pos(st_["best"]),
                "p_area": pos(area_v),
                "p_region": pos(reg_v),
                "comparison": a["compared_to_england"] if a is not None else NOT_COMPARED,
                "value_note": a["value_note"] if a is not None else "No data for this area",
                "count": a.get("count", np.nan) if a is not None else np.nan,
                "aggregation_note": a.get("aggregation_note") if a is not None else None,
                "polarity": ind.polarity,
                "is_demo": bool(a["is_demo"]) if a is not None else False,
                "source": a["source"] if a is not None else "",
            }
        )
    return pd.DataFrame(rows)
