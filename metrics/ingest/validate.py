"""Meaning checks on canonical rows, for every format, vectorised (text resolved once per distinct value).

Returns the rows ready to store (area codes resolved, period labels normalised, is_demo false) and logs every
problem: unknown metric; unknown, retired or wrongly-levelled area; unparseable or Excel-mangled period; value
outside its unit's range; limits that don't contain the value or are reversed; negative count; denominator not
above 0; count over denominator for a proportion; a published comparison that is not a verdict; duplicate rows.
"""

from __future__ import annotations

import contextlib
import difflib
import re
from datetime import date

import numpy as np
import pandas as pd

from metrics.areas import Geography
from metrics.catalogue import Catalogue
from metrics.columns import DEFAULT_BREAKDOWN, OBS_COLUMNS, OBS_KEY
from metrics.ingest.problems import WARNING, ProblemLog
from metrics.ingest.text import NUMERIC, categorical, excel_date_period, text_codes
from metrics.periods import PeriodError, parse_period
from metrics.vocabulary import AREA_LEVEL_IN_A_SENTENCE as LEVEL_WORDS
from metrics.vocabulary import NOT_COMPARED, PUBLISHED_COMPARE_WORDS, PUBLISHED_SIGNIFICANCE_SUFFIXES


def _fmt(x: float) -> str:
    return f"{x:g}"


def _map_text(values: pd.Series, func) -> pd.Series:
    """func of each distinct value of a text column (None: missing), as categories: a column holds a few dozen
    metrics, ~160 areas, some periods, so each is resolved once instead of once per row."""
    codes, distinct = text_codes(values)
    return pd.Series(categorical(codes, [func(v) for v in distinct]), index=values.index)


def _lookup(values: pd.Series, mapping: dict) -> pd.Series:
    """values.map(mapping) (None where absent), as categories."""
    return _map_text(values, mapping.get)


def _rowwise(values: pd.Series, func, missing) -> np.ndarray:
    """func of each row's text value (`missing` for a missing cell), computed once per distinct value."""
    codes, distinct = text_codes(values)
    return np.array([func(v) for v in distinct] + [missing])[np.where(codes < 0, len(distinct), codes)]


def validate_rows(
    rows: pd.DataFrame,
    log: ProblemLog,
    catalogue: Catalogue,
    geography: Geography,
    column_names: dict[str, str] | None = None,
) -> pd.DataFrame:
    names = column_names or {}

    def cname(c: str) -> str:
        return names.get(c, c)

    rows = rows.reset_index(drop=True)
    r = rows["_row"].to_numpy()
    bad = np.zeros(len(rows), dtype=bool)  # rows whose later checks can't run
    inds = catalogue.by_key()

    # ---- metric
    metric = rows["metric_key"]
    known = metric.isin(list(inds)).to_numpy()
    if (~known).any():
        keys = list(inds)

        def unknown_metric(v):
            near = difflib.get_close_matches(str(v), keys, n=1, cutoff=0.6)
            hint = f"did you mean {near[0]!r}? " if near else ""
            return f"unknown metric; {hint}expected a metric_key from the catalogue (see the Definitions page)"

        log.add_rows(r[~known], cname("metric_key"), metric[~known], unknown_metric, rule="unknown metric")
        bad |= ~known

    # ---- area
    codes = _map_text(rows["area_code"], lambda v: str(v).strip().upper())
    resolved = {code: geography.resolve_code(code) for code in codes.cat.categories}
    current = _lookup(codes, resolved)
    unknown = current.isna().to_numpy()
    if unknown.any():

        def unknown_area(v):
            return unknown_area_message(str(v).strip().upper(), geography)

        log.add_rows(r[unknown], cname("area_code"), rows["area_code"][unknown], unknown_area, rule="unknown area")
        bad |= unknown
    legacy = (~unknown) & _rowwise(codes, lambda c: resolved[c] is not None and resolved[c] != c, False)
    if legacy.any():
        log.add_rows(
            r[legacy],
            cname("area_code"),
            codes[legacy],
            lambda v: (
                f"old code of {geography.get(resolved[v] or v).name}; stored under the current code {resolved[v]}"
            ),
            WARNING,
            rule="legacy code",
        )
    rows["area_code"] = _map_text(codes, lambda c: resolved[c] or c)

    # ---- period (one parse per distinct label)
    labels = {}
    messages = {}
    for p in text_codes(rows["period"])[1]:
        try:
            labels[p] = parse_period(p).label
        except PeriodError as exc:
            messages[p] = excel_date_period(p) or str(exc)
    badp = rows["period"].isin(list(messages)).to_numpy()
    if badp.any():
        log.add_rows(r[badp], cname("period"), rows["period"][badp], lambda v: messages[v], rule="period")
        bad |= badp
    rows["period"] = _map_text(rows["period"], lambda p: labels.get(p, p))
    bad |= _check_future_periods(rows, r, log, inds, known, cname)
    rows["breakdown"] = _normalised_breakdowns(rows, r, log, cname)

    # ---- area level the metric is published at
    level_of = {c: geography.get(c).level for c in rows.loc[~unknown, "area_code"].unique()}
    level = _lookup(rows["area_code"], level_of)
    ok = known & ~unknown
    pairs = pd.DataFrame({"m": metric, "l": level})[ok].drop_duplicates()
    for m, lv in pairs.itertuples(index=False):
        ind = inds[m]
        mask = ok & (metric == m).to_numpy() & (level == lv).to_numpy()
        if lv == "cdp":
            log.add_rows(
                r[mask],
                cname("area_code"),
                rows["area_code"][mask],
                "a CDP footprint: the dashboard computes footprint values from their member authorities; "
                "upload the authorities' values instead",
                rule="cdp",
            )
            bad |= mask
        elif lv not in ind.levels:
            log.add_rows(
                r[mask],
                cname("area_code"),
                rows["area_code"][mask],
                f"{m} is published for {ind.geography_words}; a value for {LEVEL_WORDS[lv]} would invent "
                "a local figure the source never published. Expected "
                + " or ".join(LEVEL_WORDS[x] for x in ind.levels),
                rule=f"level {m}",
            )
            bad |= mask
        elif ind.areas and lv == "utla":
            off = mask & ~rows["area_code"].isin(list(ind.areas)).to_numpy()
            if off.any():
                log.add_rows(
                    r[off],
                    cname("area_code"),
                    rows["area_code"][off],
                    f"{m} is a local measure of {', '.join(ind.areas)}; check the area",
                    WARNING,
                    rule=f"local {m}",
                )

    # ---- numbers
    _check_finite(rows, r, log, cname)
    unit = _lookup(metric, {k: i.unit for k, i in inds.items()})
    vtype = _lookup(metric, {k: i.value_type for k, i in inds.items()})
    v = rows["value"].to_numpy(float)
    is_pct = (unit == "%").to_numpy()
    for c in ("value", "lower95", "upper95", "lower998", "upper998"):
        x = rows[c].to_numpy(float)
        over = known & is_pct & (x > 100)
        if over.any():
            log.add_rows(
                r[over], cname(c), x[over], "a percentage over 100; expected 0 to 100 for a '%' metric", rule="pct over"
            )
        neg = known & (x < 0)
        if neg.any():
            log.add_rows(
                r[neg], cname(c), x[neg], "negative; a percentage, rate or count can't be below 0", rule="negative"
            )
    for lo_c, hi_c in (("lower95", "upper95"), ("lower998", "upper998")):
        lo, hi = rows[lo_c].to_numpy(float), rows[hi_c].to_numpy(float)
        rev = lo > hi
        if rev.any():
            log.add_rows(
                r[rev],
                cname(lo_c),
                lo[rev],
                lambda x, hc=hi_c: f"the lower limit is above the upper limit ({cname(hc)}); expected lower <= upper",
                rule=f"reversed {lo_c}",
            )
        tol = 1e-9 * np.maximum(1.0, np.abs(v))
        outside = ~rev & ((lo > v + tol) | (hi < v - tol))
        if outside.any():
            idx = np.flatnonzero(outside)
            log.add_rows(
                r[idx],
                cname("value"),
                v[idx],
                iter_messages(
                    [
                        f"the limits {_fmt(lo[i])} to {_fmt(hi[i])} ({cname(lo_c)}/{cname(hi_c)}) "
                        f"don't contain the value {_fmt(v[i])}; expected lower <= value <= upper"
                        for i in idx
                    ]
                ),
                rule=f"outside {lo_c}",
            )
    cnt, den = rows["count"].to_numpy(float), rows["denominator"].to_numpy(float)
    neg = cnt < 0
    if neg.any():
        log.add_rows(
            r[neg], cname("count"), cnt[neg], "a negative count; a count can't be below 0", rule="negative count"
        )
    bad_den = den <= 0
    if bad_den.any():
        log.add_rows(
            r[bad_den], cname("denominator"), den[bad_den], "a denominator must be above 0", rule="denominator"
        )
    over = (vtype == "proportion").to_numpy() & (cnt > den)
    if over.any():
        idx = np.flatnonzero(over)
        log.add_rows(
            r[idx],
            cname("count"),
            cnt[idx],
            iter_messages(
                [
                    f"count {_fmt(cnt[i])} is greater than the denominator {_fmt(den[i])}; a "
                    "proportion's count can't exceed its denominator"
                    for i in idx
                ]
            ),
            rule="count over denominator",
        )
    _check_value_against_counts(rows, log, inds, known, cname)
    empty = np.isnan(v) & np.isnan(cnt) & rows["value_note"].isna().to_numpy()
    if empty.any():
        log.add_rows(
            r[empty],
            cname("value"),
            [""] * int(empty.sum()),
            "no value, count or value note; the row will be stored as a missing value",
            WARNING,
            rule="empty value",
        )

    rows["published_comparison"] = _published_comparisons(rows, r, log, cname)

    # ---- duplicates within the file (after codes and periods are normalised)
    dup = rows.duplicated(OBS_KEY, keep=False).to_numpy()
    if dup.any():
        firsts = rows.loc[dup].groupby(OBS_KEY, sort=False)["_row"].transform("min").to_numpy()
        later = r[dup] != firsts
        rr, ff = r[dup][later], firsts[later]
        text = {c: rows.loc[dup, c].astype(str) for c in OBS_KEY}
        vals = (
            text["metric_key"] + " / " + text["area_code"] + " / " + text["period"] + " / " + text["breakdown"]
        ).to_numpy()[later]
        log.add_rows(
            rr,
            "metric_key/area_code/period/breakdown",
            vals,
            iter_messages(
                [
                    f"a duplicate of row {f}: the same metric, area, period and breakdown may appear once in a file"
                    for f in ff
                ]
            ),
            rule="duplicate",
        )

    rows["is_demo"] = False
    return rows


_VERDICTS = {w.lower(): w for w in PUBLISHED_COMPARE_WORDS}


def _published_verdict(text) -> str | None:
    """A published comparison cell as the vocabulary's verdict ("better 95%" -> "Better"); None for "Not
    compared"; "" for a word that is not a verdict."""
    word = str(text).strip().lower()
    word = next((word.removesuffix(x) for x in PUBLISHED_SIGNIFICANCE_SUFFIXES if word.endswith(x)), word)
    if word == NOT_COMPARED.lower():
        return None
    return _VERDICTS.get(word, "")


def _published_comparisons(rows: pd.DataFrame, r: np.ndarray, log: ProblemLog, cname) -> pd.Series:
    """The published comparison column as verdicts; a cell that is not one is an error naming what to write."""
    column = rows["published_comparison"]
    verdicts = _map_text(column, lambda v: None if v is None or pd.isna(v) else _published_verdict(v))
    wrong = (verdicts == "").to_numpy()
    if wrong.any():
        log.add_rows(
            r[wrong],
            cname("published_comparison"),
            column[wrong],
            "not a comparison with England; expected the publisher's verdict as one of "
            + ", ".join(PUBLISHED_COMPARE_WORDS)
            + " (or Not compared, or an empty cell where the publisher states none). The dashboard shows it as "
            "'... (as published)' only where the value has no confidence interval to compare",
            rule="published comparison",
        )
    return verdicts.where(~wrong, None) if wrong.any() else verdicts


# ---------------------------------------------------------------------------------------------------------------
# Hardening checks: what a reader could let through, and wrong advice about area codes
# ---------------------------------------------------------------------------------------------------------------

# ONS code prefixes that are not areas this dashboard holds, and what to say about each.
_OTHER_CODE_KINDS = {
    "E07": "a district (lower-tier) council, not an upper-tier authority: CDPs are made of upper-tier authorities; "
    "load its county's figure instead",
    "E11": "a metropolitan county, which has no council of its own: load its metropolitan districts' figures",
    "E13": "Inner or Outer London, not an authority: load the London boroughs' figures",
    "E38": "a clinical commissioning group (an NHS area), not a local authority",
    "E54": "an integrated care board (an NHS area), not a local authority",
    "E40": "an NHS region, not a local authority or region of England",
    "E47": "a combined authority, not an upper-tier authority: load its member authorities' figures",
    "W06": "a Welsh local authority: the dashboard covers England only",
    "W92": "Wales: the dashboard covers England only",
    "S12": "a Scottish council area: the dashboard covers England only",
    "S92": "Scotland: the dashboard covers England only",
    "N09": "a Northern Ireland district: the dashboard covers England only",
    "N92": "Northern Ireland: the dashboard covers England only",
    "K02": "the United Kingdom: expected England (E92000001) or an area within it",
    "K03": "Great Britain: expected England (E92000001) or an area within it",
    "K04": "England and Wales: expected England (E92000001) or an area within it",
}
_HELD_KINDS = {
    "E06": "unitary authority",
    "E08": "metropolitan district",
    "E09": "London borough",
    "E10": "county",
    "E12": "region",
    "E92": "country",
}
_ONS_CODE = re.compile(r"^[EWSNK]\d{8}$")


def unknown_area_message(code: str, geography: Geography) -> str:
    """Why an area code is not accepted, and what to load instead. Only a real successor (a retired code's
    current authority) or a near name is suggested: a code one digit from another is a different place."""
    if not code:
        return "the area code is empty; expected an ONS code like E06000060"
    if code in geography.retired:
        near = geography.suggest(code)
        hint = f"; did you mean {near.code} {near.name}? It is its successor." if near else "."
        return f"retired area code (the former {geography.retired[code]}){hint} Expected a current ONS code"
    if _ONS_CODE.match(code):
        kind = _OTHER_CODE_KINDS.get(code[:3])
        if kind:
            return f"{code} is {kind}"
        held = _HELD_KINDS.get(code[:3])
        if held:
            return (
                f"unknown area code: no current {held} has code {code}. Check the code against the ONS "
                "list (the Definitions page lists the areas held)"
            )
        return (
            f"unknown area code: {code} is not a code of England, a region or an upper-tier authority "
            f"(prefix {code[:3]}); expected an ONS code like E06000060"
        )
    near = geography.suggest(code)  # not code-shaped: perhaps a name
    hint = f"; did you mean {near.code} {near.name}?" if near else ""
    return f"unknown area code{hint} Expected an ONS code of England, a region or an upper-tier authority"


def _check_finite(rows: pd.DataFrame, r: np.ndarray, log: ProblemLog, cname) -> None:
    """Infinite numbers (every reader refuses the text; this catches one a reader computes, e.g. a sum)."""
    for c in NUMERIC:
        x = rows[c].to_numpy(float)
        infinite = np.isinf(x)
        if infinite.any():
            log.add_rows(
                r[infinite],
                cname(c),
                x[infinite],
                "not a finite number; expected an ordinary number",
                rule="not finite",
            )
            rows[c] = np.where(infinite, np.nan, x)


def _check_future_periods(
    rows: pd.DataFrame, r: np.ndarray, log: ProblemLog, inds: dict, known: np.ndarray, cname, today: date | None = None
) -> np.ndarray:
    """Rows whose period ends after today, for a metric that is not a projection: a figure for a period that
    has not ended would become the area's latest value."""
    today = today or date.today()
    ends = {}
    for p in text_codes(rows["period"])[1]:
        with contextlib.suppress(PeriodError):
            ends[p] = parse_period(p).end_date
    future_labels = [p for p, end in ends.items() if end > today]
    if not future_labels:
        return np.zeros(len(rows), dtype=bool)
    projection = _rowwise(rows["metric_key"], lambda m: m in inds and inds[m].projection, False).astype(bool)
    future = rows["period"].isin(future_labels).to_numpy() & known & ~projection
    if future.any():
        log.add_rows(
            r[future],
            cname("period"),
            rows["period"][future],
            lambda p: (
                f"the period ends on {ends[p]:%d %B %Y}, after today ({today:%d %B %Y}); a figure "
                "for a period that has not ended can't be loaded. Check the period (a typing slip?)"
            ),
            rule="future period",
        )
    return future


def _normalised_breakdowns(rows: pd.DataFrame, r: np.ndarray, log: ProblemLog, cname) -> pd.Series:
    """Breakdowns that differ only by case or spacing ('total', ' TOTAL', 'Male,  16-24') as one spelling: the
    default breakdown's, else the spelling the file uses first; then duplicates are found among them."""
    codes, distinct = text_codes(rows["breakdown"])
    spelling: dict[str, str] = {" ".join(DEFAULT_BREAKDOWN.split()).casefold(): DEFAULT_BREAKDOWN}
    order = np.argsort([int(np.argmax(codes == i)) for i in range(len(distinct))], kind="stable")
    canonical = {}
    for i in order:
        v = str(distinct[i])
        key = " ".join(v.split()).casefold()
        canonical[v] = spelling.setdefault(key, " ".join(v.split()))
    changed = [v for v, c in canonical.items() if v != c]
    if not changed:
        return rows["breakdown"]
    moved = rows["breakdown"].isin(changed).to_numpy()
    log.add_rows(
        r[moved],
        cname("breakdown"),
        rows["breakdown"][moved],
        lambda v: f"read as {canonical[v]!r} (the same breakdown, spelt differently)",
        WARNING,
        rule="breakdown spelling",
    )
    return _map_text(rows["breakdown"], lambda v: canonical.get(v, v))


# ---------------------------------------------------------------------------------------------------------------
# Internal consistency: a value that contradicts its own count and denominator
# ---------------------------------------------------------------------------------------------------------------

#: The least tolerance, in the metric's unit: sources that round to 1 decimal place (Fingertips' displayed values,
#: published reports) are off by up to half of 0.1 from count / denominator x multiplier.
VALUE_TOLERANCE_FLOOR = 0.05
_MAX_DECIMALS = 12


def _decimals(x: np.ndarray) -> np.ndarray:
    """How many decimal places each number was written with (the fewest that give the same float: "51.70" and
    "51.7" both give 1), at most _MAX_DECIMALS for a number that is not short in decimal."""
    out = np.full(len(x), _MAX_DECIMALS, dtype=np.int64)
    todo = np.ones(len(x), dtype=bool)
    scale = np.maximum(np.abs(x), np.finfo(float).tiny)
    for d in range(_MAX_DECIMALS):
        hit = todo & (np.abs(np.round(x, d) - x) <= 1e-12 * scale)
        out[hit] = d
        todo &= ~hit
        if not todo.any():
            break
    return out


def _rounding(x: np.ndarray, modelled: np.ndarray) -> np.ndarray:
    """Half a unit in the last decimal place written; for a whole number 0 (a count is exact), but 0.5 where the
    count is modelled (`modelled`): 1,403 may be 1,403.333 rounded."""
    whole = x == np.round(x)
    return np.where(whole, np.where(modelled, 0.5, 0.0), 0.5 * 10.0 ** -_decimals(x).astype(float))


def _check_value_against_counts(rows: pd.DataFrame, log: ProblemLog, inds: dict, known: np.ndarray, cname) -> None:
    """An error for each row whose value contradicts its own count and denominator.

    Where value, count and denominator are all given for a metric whose catalogue entry says
    `value_is_count_ratio: true` (a proportion or a crude rate whose publisher's value is count / denominator,
    modelled counts included), the value must be count / denominator x the metric's multiplier (100 for %,
    1,000 / 10,000 / 100,000 for rates) within the rounding the row shows: half a unit in the last decimal place
    the value is written with, at least VALUE_TOLERANCE_FLOOR (sources rounding to 1 d.p.), plus what rounding a
    non-whole count or denominator to the decimals written can move the quotient (for a metric marked `estimate`,
    whose counts are modelled, a whole count or denominator may be rounded too: +/- 0.5). Weighted surveys, DSRs
    and counts (`value_is_count_ratio: false`) are not checked; rows with a count or denominator already reported
    as impossible are left to those errors. A fraction (0 to 1) given for a percentage whose count / denominator
    says 100 times it gets its own suggestion ("0.517 looks like a fraction; this metric is a percentage:
    51.7"). An error, so nothing of the file is written.
    """
    v = rows["value"].to_numpy(float)
    cnt = rows["count"].to_numpy(float)
    den = rows["denominator"].to_numpy(float)
    metric = rows["metric_key"]

    def flag(test) -> np.ndarray:  # per row, test(indicator); False for an unknown metric
        return _rowwise(metric, lambda m: m in inds and bool(test(inds[m])), False).astype(bool)

    checked = flag(lambda i: i.value_is_count_ratio)
    modelled = flag(lambda i: i.estimate)
    is_prop = flag(lambda i: i.value_type == "proportion")
    is_pct = flag(lambda i: i.unit == "%")
    mult = _rowwise(metric, lambda m: float(inds[m].multiplier) if m in inds else np.nan, np.nan).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        todo = (
            known
            & checked
            & ~np.isnan(v)
            & ~np.isnan(cnt)
            & ~np.isnan(den)
            & (cnt >= 0)
            & (den > 0)
            & ~(is_prop & (cnt > den))
        )
        expected = cnt / den * mult
        # Cheap first pass: a row within the floor passes whatever its rounding (nearly every row).
        suspect = todo & (np.abs(v - expected) > VALUE_TOLERANCE_FLOOR + 1e-9 * np.abs(expected))
    idx = np.flatnonzero(suspect)
    if len(idx) == 0:
        return
    v, cnt, den, mult, expected, is_pct = v[idx], cnt[idx], den[idx], mult[idx], expected[idx], is_pct[idx]
    modelled = modelled[idx]
    carried = mult * (_rounding(cnt, modelled) + expected / mult * _rounding(den, modelled)) / den
    tolerance = np.maximum(0.5 * 10.0 ** -_decimals(v).astype(float), VALUE_TOLERANCE_FLOOR) + carried
    wrong = np.abs(v - expected) > tolerance + 1e-9 * np.abs(expected)
    # A fraction for a percentage: 100 x the value agrees, to the value's own rounding scaled by 100.
    as_pct = v * 100
    pct_tolerance = np.maximum(50 * 10.0 ** -_decimals(v).astype(float), VALUE_TOLERANCE_FLOOR) + carried
    fraction = wrong & is_pct & (v >= 0) & (v <= 1) & (np.abs(as_pct - expected) <= pct_tolerance)
    bad = np.flatnonzero(wrong)
    if len(bad) == 0:
        return
    keys = metric.to_numpy(dtype=object)[idx]
    messages = []
    for i in bad:
        ind = inds[keys[i]]
        scale = f"x {ind.multiplier:,}"
        said = (
            f"value {_fmt(v[i])} does not match count {_fmt(cnt[i])} / denominator {_fmt(den[i])} {scale} = "
            f"{_fmt(expected[i])}"
        )
        if fraction[i]:
            messages.append(
                f"{said}; {_fmt(v[i])} looks like a fraction; this metric is a percentage: {_fmt(round(as_pct[i], 10))}"
            )
        else:
            messages.append(
                f"{said}, beyond rounding (+/- {_fmt(tolerance[i])}); correct the value, or the count and denominator"
            )
    log.add_rows(
        rows["_row"].to_numpy()[idx[bad]],
        cname("value"),
        v[bad],
        iter_messages(messages),
        rule="value against count / denominator",
    )


class iter_messages:
    """A message function that returns prepared messages in order (one per logged row)."""

    def __init__(self, messages: list[str]):
        self._it = iter(messages)
        self.__name__ = "prepared"

    def __call__(self, _value) -> str:
        return next(self._it)


def store_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows to store, text columns as categories: they repeat (a few dozen metrics, ~160 areas, some
    periods and breakdowns), so a million-row upload holds ~4 bytes per cell instead of a string each while it
    waits for preview and commit. DuckDB reads categories as an ENUM, which sorts by its categories' order: the
    categories are put in text order so that an ORDER BY on them sorts as on text."""
    out = rows[OBS_COLUMNS].reset_index(drop=True)
    for c in ("metric_key", "area_code", "period", "breakdown", "value_note", "source", "published_comparison"):
        column = out[c] if isinstance(out[c].dtype, pd.CategoricalDtype) else out[c].astype("category")
        out[c] = column.cat.reorder_categories(column.cat.categories.sort_values())
    return out
