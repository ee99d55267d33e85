"""What changed since a revision or a date: new periods, revised values and changed verdicts of one area.

The store keeps every version of every cell (Store.cell_history). A cell's value "at revision N" is its latest
version written by revision N or earlier (none if it did not exist, or a rollback had removed it). The verdict
at revision N is recomputed by metrics.derive.derive_frame, the function that derives the pages' figures, from
the versions at N of the cells it depends on: the area's (or, for a CDP footprint, its members'), England's and
the region's in the same period. So a verdict changed by a revised England value is found too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from metrics import presentation as pr
from metrics.areas import ENGLAND_CODE, Geography
from metrics.catalogue import Catalogue, Indicator
from metrics.columns import OBS_VALUE_COLUMNS
from metrics.periods import parse_period
from metrics.report.model import MAX_CHANGES, Change, ReportModel, revision_words
from metrics.vocabulary import AS_PUBLISHED

_VALUE_FIELDS = OBS_VALUE_COLUMNS
_DERIVE_INPUT = [
    "metric_key",
    "area_code",
    "period",
    "breakdown",
    *_VALUE_FIELDS,
    "revision_id",
    "level",
    "region_code",
    "period_kind",
    "period_sortable",
    "start_year",
]


def _missing(x: Any) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and np.isnan(x))


def version_at(history: pd.DataFrame, revision_id: int) -> dict | None:
    """The cell's version in force after revision `revision_id`: None if it did not exist then."""
    if history.empty:
        return None
    revisions = history["revision_id"].to_numpy()
    before = np.flatnonzero(revisions <= revision_id)
    if not len(before):
        return None
    row = history.iloc[before[np.argmax(revisions[before])]].to_dict()
    return None if bool(row.get("is_deleted")) else row


def _same(a: Any, b: Any) -> bool:
    if _missing(a) and _missing(b):
        return True
    if _missing(a) or _missing(b):
        return False
    if isinstance(a, (int, float, np.floating)) and isinstance(b, (int, float, np.floating)):
        return bool(np.isclose(float(a), float(b), rtol=0, atol=1e-9))
    return a == b


def _value_text(row: dict, ind: Indicator) -> str:
    text = pr.value_with_note(row.get("value"), ind.unit, row.get("value_note"))
    ci = pr.format_ci(row.get("lower95"), row.get("upper95"), ind.unit)
    text += f" ({ci})" if ci else ""
    return text + (" [demo]" if row.get("is_demo") else "")


def _derive_old(frame_rows: list[dict], catalogue: Catalogue, geography: Geography) -> pd.DataFrame:
    from metrics.derive import derive_frame

    if not frame_rows:
        return pd.DataFrame()
    frame = pd.DataFrame(frame_rows)
    frame["start_year"] = [parse_period(p).start_year for p in frame["period"]]
    return derive_frame(frame[_DERIVE_INPUT].copy(), catalogue, geography)


def _published_of(row: dict) -> str | None:
    """The publisher's verdict of a cell as its derived row shows it (a derived row keeps no other): the word of an
    "(as published)" comparison with England; an earlier version's own published_comparison replaces it."""
    shown = row.get("compared_to_england")
    return shown.removesuffix(AS_PUBLISHED) if isinstance(shown, str) and shown.endswith(AS_PUBLISHED) else None


def _cell_without_derived_row(history: pd.DataFrame, geography: Geography, code: str, like: dict) -> dict | None:
    """The cell of `code` for `like`'s period as a derive input row, when the store has versions of it (`history`)
    but the pages no longer show it; None when it never had a version."""
    if history.empty:
        return None
    area = geography.get(code)
    return {
        **like,
        "area_code": code,
        "area_name": area.name,
        "level": area.level,
        "region_code": area.region_code,
        "is_aggregate": False,
        "revision_id": 1 << 62,
    }


def fill_changes(
    model: ReportModel, store, catalogue: Catalogue, geography: Geography, revisions: pd.DataFrame
) -> None:
    since = model.since
    revs = revisions.sort_values("revision_id")
    if since.revision_id is None:
        model.revisions_since = revs.to_dict("records")
        model.change_notes.append(
            f"Every figure in this report was loaded after {since.label}: there is no earlier version to compare "
            "with. The loads are listed below; choose a later date or a revision to see what changed."
        )
        return
    after = revs[revs["revision_id"] > since.revision_id]
    model.revisions_since = after.to_dict("records")
    if after.empty:
        model.change_notes.append(f"No figure has been loaded or changed since {since.label}.")
        return
    words = {int(r["revision_id"]): revision_words(r) for r in after.to_dict("records")}
    n = since.revision_id
    area = model.area
    own_codes = list(area.members) if area.level == "cdp" else [area.code]
    bench_codes = [ENGLAND_CODE] + ([model.region.code] if model.region is not None else [])
    bench_col = "compared_to_region" if model.benchmark == "Region" else "compared_to_england"
    found: list[Change] = []
    checks, frame_rows = [], []  # verdicts to compare once the state at n is derived (in one call)
    unknown_verdicts = 0
    codes = list(dict.fromkeys([area.code, *own_codes, *bench_codes]))
    changed = []  # (indicator, its rows, the periods changed since revision n)
    for m in model.metrics:
        records = store.series(m.indicator.key, codes).to_dict("records")
        changed_periods = {r["period"] for r in records if not _missing(r["revision_id"]) and r["revision_id"] > n}
        if changed_periods:
            changed.append((m.indicator, records, changed_periods))
    # Every version of the cells the changes and the verdicts of then depend on, in one read (with the cells of
    # another metric's changed periods too, which are never looked up).
    history_of, no_versions = {}, pd.DataFrame()
    if changed:
        versions = store.cell_histories(
            [ind.key for ind, _, _ in changed],
            list(dict.fromkeys([*own_codes, *bench_codes])),
            sorted(set().union(*(periods for _, _, periods in changed))),
        )
        history_of = dict(iter(versions.groupby(["metric_key", "area_code", "period"], sort=False)))
        no_versions = versions.iloc[:0]
    for ind, records, changed_periods in changed:
        by_cell = {(r["area_code"], r["period"]): r for r in records}
        for now in (r for r in records if r["area_code"] == area.code and r["period"] in changed_periods):
            period = now["period"]
            # The area's own cells (a footprint's members) first: new periods and revised values.
            for code in own_codes:
                cur = by_cell.get((code, period))
                if cur is None or _rev(cur) <= n or cur.get("is_aggregate"):
                    continue  # (a region's aggregate changes with its authorities, listed on their reports)
                old = version_at(history_of.get((ind.key, code, period), no_versions), n)
                rev = _rev(cur)
                if old is None:
                    found.append(
                        Change(
                            "New period",
                            ind.key,
                            ind.short_name,
                            cur["area_name"],
                            period,
                            "no figure",
                            _value_text(cur, ind),
                            words.get(rev, f"revision {rev}"),
                            pr.short_source(cur["source"]),
                        )
                    )
                elif not all(_same(old.get(f), cur.get(f)) for f in ("value", "lower95", "upper95", "is_demo")):
                    found.append(
                        Change(
                            "Revised value",
                            ind.key,
                            ind.short_name,
                            cur["area_name"],
                            period,
                            _value_text(old, ind),
                            _value_text(cur, ind),
                            words.get(rev, f"revision {rev}"),
                            pr.short_source(cur["source"]),
                        )
                    )
            # The cells the verdict depends on, as they were at revision n.
            unknown = False
            for code in dict.fromkeys([*own_codes, *bench_codes]):
                cur = by_cell.get((code, period))
                if cur is None:
                    # A cell shown then but not now (a demonstration benchmark beside a real series) still
                    # decided the verdict at revision n.
                    cur = _cell_without_derived_row(
                        history_of.get((ind.key, code, period), no_versions), geography, code, now
                    )
                    if cur is None:
                        continue
                if cur.get("is_aggregate"):
                    if _rev(cur) > n:  # an aggregated region changed since: its figure then is not at hand
                        unknown = unknown or bench_col == "compared_to_region"
                        continue
                    frame_rows.append({"published_comparison": None, **cur, "metric_key": ind.key})
                    continue
                if _rev(cur) > n:
                    old = version_at(history_of.get((ind.key, code, period), no_versions), n)
                    if old is None:
                        continue
                    cur = {**cur, **{f: old.get(f) for f in _VALUE_FIELDS}, "revision_id": int(old["revision_id"])}
                frame_rows.append({"published_comparison": _published_of(cur), **cur, "metric_key": ind.key})
            if unknown:
                unknown_verdicts += 1
            else:
                rev = max(_rev(r) for r in records if r["period"] == period)
                checks.append((ind, now, words.get(rev, f"revision {rev}")))
    old_derived = _derive_old(frame_rows, catalogue, geography)
    old_by_cell = (
        {(r["metric_key"], r["period"]): r for r in old_derived.to_dict("records") if r["area_code"] == area.code}
        if not old_derived.empty
        else {}
    )
    for ind, now, rev_words in checks:
        old = old_by_cell.get((ind.key, now["period"]))
        if old is None or _missing(old["value"]):
            continue  # the area had no figure for the period then: "New period" says so
        before, after_ = str(old[bench_col]), str(now[bench_col])
        if before != after_:
            found.append(
                Change(
                    "Verdict changed",
                    ind.key,
                    ind.short_name,
                    area.name,
                    now["period"],
                    f"{before} (vs {model.benchmark_name})",
                    f"{after_} (vs {model.benchmark_name})",
                    rev_words,
                    pr.short_source(now["source"]),
                )
            )
        before_g, after_g = str(old["compared_to_goal"]), str(now["compared_to_goal"])
        if ind.target is not None and before_g != after_g:
            found.append(
                Change(
                    "Target status changed",
                    ind.key,
                    ind.short_name,
                    area.name,
                    now["period"],
                    pr.GOAL_WORDS.get(before_g, before_g),
                    pr.GOAL_WORDS.get(after_g, after_g),
                    rev_words,
                    pr.short_source(now["source"]),
                )
            )
    order = {"Verdict changed": 0, "Target status changed": 1, "Revised value": 2, "New period": 3}
    found.sort(key=lambda c: (order.get(c.kind, 9), c.indicator, c.area, c.period))
    model.changes = found[:MAX_CHANGES]
    model.changes_left_out = max(0, len(found) - MAX_CHANGES)
    if not found:
        model.change_notes.append(
            f"Figures were loaded since {since.label} (below), but none of {area.name}'s figures or verdicts changed."
        )
    if unknown_verdicts:
        model.change_notes.append(
            f"{unknown_verdicts} earlier verdict(s) against the region could not be recomputed: the region's figure "
            "is aggregated from all its authorities and changed since."
        )


def _rev(row: dict) -> int:
    return 0 if _missing(row.get("revision_id")) else int(row["revision_id"])
