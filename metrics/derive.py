"""From stored observations to what the pages show: computed once at load time, so pages only read.

For the metrics a write touched, derive_frame takes their observations and
1. fills value and 95% / 99.8% limits from count and denominator where a file gave none (the file's own
   limits are kept: Fingertips' unmet-need limits, for one, carry the prevalence estimate's uncertainty); a
   metric whose catalogue `ci_method` is none (a complete count) has no limits at all;
2. aggregates CDP footprints (and regions the store lacks) from member authorities with the metric's method,
   only where every member has the counts it needs (else no value, and a note saying which member lacks what);
3. compares each area with England and with its region (Fingertips' rule, 95%), and with the goal; where it
   cannot compare a value with England (no interval, none from counts either) and the publisher stated a
   comparison, that verdict is shown as the publisher's ("Better (as published)"), never as one it computed;
4. computes the recent-trend marker for each period from the five periods ending there;
and returns the metrics' rows of `indicator_values`, which the write transaction stores (frames in, frames out).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from metrics import stats
from metrics.areas import ENGLAND_CODE, Geography
from metrics.catalogue import Catalogue
from metrics.columns import DEFAULT_BREAKDOWN, OBS_KEY, OBS_VALUE_COLUMNS
from metrics.vocabulary import AREA_LEVELS, NOT_COMPARED, PUBLISHED_COMPARE_LABELS, PUBLISHED_COMPARE_WORDS


def _metric_attributes(catalogue: Catalogue) -> pd.DataFrame:
    rows = []
    for ind in catalogue.indicators:
        rows.append(
            {
                "metric_key": ind.key,
                "value_type": ind.value_type,
                "multiplier": float(ind.multiplier),
                "polarity": ind.polarity,
                "benchmarkable": ind.benchmarkable,
                "goal": ind.target.value if ind.target else np.nan,
                "aggregatable": ind.value_type != "dsr",
                "has_interval": ind.ci_method != "none",
            }
        )
    return pd.DataFrame(rows)


_MISSING = object()


class _Keys:
    """Integer codes for the string keys of the rows being derived, so that grouping and the benchmark look-ups
    hash a few hundred distinct strings once instead of comparing strings on every row.

    A missing key gets a code of its own (as pandas' merge matches a missing key with a missing key); `cell_nan`
    marks rows with a missing cell key (metric, period, breakdown), which a groupby would drop. Area and region
    codes share one space (`area_index`), extended with the footprint and region codes of the geography.
    """

    def __init__(self, obs: pd.DataFrame, geography: Geography):
        self.metric, metric_u = pd.factorize(obs["metric_key"], use_na_sentinel=False)
        period, period_u = pd.factorize(obs["period"], use_na_sentinel=False)
        self.breakdown, breakdown_u = pd.factorize(obs["breakdown"], use_na_sentinel=False)
        self.metric_uniques = metric_u
        raw = (self.metric.astype(np.int64) * len(period_u) + period) * len(breakdown_u) + self.breakdown
        self.cell, cell_u = pd.factorize(raw)
        self.n_cells = len(cell_u)
        self.cell_nan = (
            np.asarray(pd.isna(metric_u), dtype=bool)[self.metric]
            | np.asarray(pd.isna(period_u), dtype=bool)[period]
            | np.asarray(pd.isna(breakdown_u), dtype=bool)[self.breakdown]
        )
        self.metric_nan = np.asarray(pd.isna(metric_u), dtype=bool)
        self.breakdown_nan = np.asarray(pd.isna(breakdown_u), dtype=bool)

        area, area_u = pd.factorize(obs["area_code"], use_na_sentinel=False)
        self.area_index: dict = {}
        # a missing area code of a row has a code of its own (a missing region code has -1: it matches nothing)
        self.area = np.array(
            [
                self.area_code(u) if pd.notna(u) else self.area_index.setdefault(_MISSING, len(self.area_index))
                for u in area_u
            ],
            dtype=np.int64,
        )[area]
        self.region = self.area_codes(obs["region_code"])
        for fp in geography.footprints():
            for code in [fp.code, fp.region_code, *fp.members]:
                self.area_code(code)
        for a in geography.utlas():
            self.area_code(a.code)
            self.area_code(a.region_code)
        self.area_code(ENGLAND_CODE)

        level, level_u = pd.factorize(obs["level"], use_na_sentinel=True)
        level_names = np.append(np.asarray(level_u, dtype=object), np.array([None], dtype=object))
        self.level = {name: (level_names == name)[level] for name in AREA_LEVELS}

    def area_code(self, code) -> int:
        """The code of an area (or region) code in the shared space; -1 for a missing one."""
        if pd.isna(code):
            return -1
        return self.area_index.setdefault(code, len(self.area_index))

    def area_codes(self, values) -> np.ndarray:
        """area_code of each value, looked up once per distinct value."""
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        return np.array([self.area_code(u) for u in uniques] + [-1], dtype=np.int64)[codes]

    @property
    def n_areas(self) -> int:
        return len(self.area_index)


def _join(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of a left join on integer keys, in pandas' merge order: each left row in order, with its
    matching right rows in their order, or with -1 when none matches. Returns (left positions, right positions);
    left positions are 0..len(left)-1 when the right keys are unique (the usual case: observation keys are)."""
    index = pd.Index(right)
    if index.is_unique:
        return np.arange(len(left)), index.get_indexer(left)
    order = np.argsort(right, kind="stable")
    sorted_right = right[order]
    lo = np.searchsorted(sorted_right, left, "left")
    n = np.searchsorted(sorted_right, left, "right") - lo
    reps = np.maximum(n, 1)
    left_pos = np.repeat(np.arange(len(left)), reps)
    offset = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    matched = np.repeat(n > 0, reps)
    right_pos = np.full(len(left_pos), -1, dtype=np.int64)
    right_pos[matched] = order[(np.repeat(lo, reps) + offset)[matched]]
    return left_pos, right_pos


def _inner_join(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of an inner join on integer keys, in pandas' merge order."""
    left_pos, right_pos = _join(left, right)
    keep = right_pos >= 0
    return left_pos[keep], right_pos[keep]


def _first_valid(values, gid: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group, the position of its first row with a value (pandas' groupby "first"), -1 for none."""
    ok = ~pd.isna(values)
    pos = np.flatnonzero(ok)
    first = np.full(n_groups, -1, dtype=np.int64)
    groups, at = np.unique(gid[pos], return_index=True)
    first[groups] = pos[at]
    return first


def _take(values, positions: np.ndarray):
    """values[positions] as a pandas array of the same kind, missing where a position is -1."""
    return pd.api.extensions.take(
        pd.array(values, copy=False) if not isinstance(values, np.ndarray) else values, positions, allow_fill=True
    )


# Why a member's row cannot be pooled, as (one member, several members): the end of "X's 2021/22 figure ...".
_NO_VALUE = ("has no value", "have no value")
_NO_COUNTS = ("was published without counts", "were published without counts")
_NO_COUNT = ("was published without a count", "were published without a count")
_NO_DENOMINATOR = ("was published without a denominator", "were published without a denominator")
_INVALID = (
    "has a count and denominator that cannot be pooled (negative, zero or count over denominator)",
    "have counts and denominators that cannot be pooled (negative, zero or count over denominator)",
)


def _why_not_usable(value: float, count: float, den: float, usable: bool, is_count: bool):
    """None for a member row the aggregate can use, else the words for what it lacks."""
    if usable:
        return None
    if np.isnan(count):
        if np.isnan(value):
            return _NO_VALUE
        return _NO_COUNTS if is_count or np.isnan(den) else _NO_COUNT
    if not is_count and np.isnan(den):
        return _NO_DENOMINATOR
    return _INVALID


def _period_words(period: str, breakdown) -> str:
    return period if breakdown == DEFAULT_BREAKDOWN or pd.isna(breakdown) else f"{period} ({breakdown})"


def _names(codes: list[str], geography: Geography) -> str:
    # "Herefordshire, County of" reads as "Herefordshire" before a possessive ("Herefordshire's 2021/22 figure")
    names = [geography.get(c).name.removesuffix(", County of").removesuffix(", City of") for c in codes]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _not_available(members: list[str], lacking: dict, period: str, geography: Geography) -> str:
    """The note of an aggregate without a value: which members lack what ("Not available: Worcestershire's
    2021/22 figure was published without counts"; "Not available: 13 of 14 member areas have no 2009/10
    figure"). `lacking` maps the area code of each member row of the cell to _why_not_usable's words."""
    n = len(members)
    parts = []
    absent = [m for m in members if m not in lacking]
    if len(absent) == 1:
        parts.append(f"{_names(absent, geography)} has no {period} figure")
    elif absent:
        named = f" ({_names(absent, geography)})" if len(absent) <= 3 and len(absent) < n else ""
        parts.append(f"{len(absent)} of {n} member areas have no {period} figure{named}")
    reasons: dict[tuple, list[str]] = {}
    for m in members:
        if lacking.get(m) is not None:
            reasons.setdefault(lacking[m], []).append(m)
    for (one, several), codes in reasons.items():
        if len(codes) == 1:
            parts.append(f"{_names(codes, geography)}'s {period} figure {one}")
        elif len(codes) <= 3:
            parts.append(f"the {period} figures of {_names(codes, geography)} {several}")
        else:
            parts.append(f"the {period} figures of {len(codes)} of {n} member areas {several}")
    if not parts:  # every member usable yet not one row each: a member with two rows for the cell
        parts.append(f"a member area has more than one {period} figure")
    return "Not available: " + "; ".join(parts)


def _aggregate_footprints(obs: pd.DataFrame, keys: _Keys, vt_code: np.ndarray, mult: np.ndarray, geography: Geography):
    """Rows for CDP footprints, and for regions missing from the store, aggregated from member authorities.

    An aggregate has a value only when EVERY member authority has what the metric's method needs for that
    metric, period and breakdown (OHID's practice: a footprint or region is not published where a component is
    missing or suppressed): a count and a denominator (just a count for a count), valid for the method. Then it
    is the sum of the members' counts and denominators with value and limits recomputed with the metric's method
    by stats.fill_limits (limits_for_frame's computation), as stats.aggregate does for one cell. Otherwise the
    row has no value and its aggregation_note says why in words ("Not available: Worcestershire's 2021/22 figure
    was published without counts"). A DSR is never aggregated (it needs age-specific counts). Regions are
    derived only for the cells the store has no (published) region row for; their members are the current
    upper-tier authorities of the geography. Grouping is on integer codes (`keys`), each group's members in
    area-code order.
    Returns the rows and, per row, the obs row it took its keys from (or (None, None) when there are none).
    """
    utla = np.flatnonzero(keys.level["utla"])
    if len(utla) == 0:
        return None, None
    footprints = geography.footprints()
    groups: list[tuple[str | None, str | None, str]] = [
        (fp.code, fp.region_code, m) for fp in footprints for m in fp.members
    ]
    n_footprint_rows = len(groups)
    groups += [(a.region_code, ENGLAND_CODE, a.code) for a in geography.utlas()]
    group_codes = list(dict.fromkeys(g for g, _, _ in groups if g is not None))
    group_of = {g: i for i, g in enumerate(group_codes)}
    members: dict[str, list[str]] = {g: [] for g in group_codes}
    for g, _, m in groups:
        if g is not None:
            members[g].append(m)
    region_of_group: dict[str, str] = {}
    for g, r, _ in groups:
        if g is not None and r is not None:
            region_of_group.setdefault(g, r)

    # Footprints: the utla rows of each footprint's members (merge order: utla rows, then membership order).
    fp_members = [(g, m) for g, _, m in groups[:n_footprint_rows] if g is not None]
    right_area = np.array([keys.area_code(m) for _, m in fp_members], dtype=np.int64)
    right_group = np.array([group_of[g] for g, _ in fp_members], dtype=np.int64)
    left_pos, right_pos = _inner_join(keys.area[utla], right_area)
    src_parts = [utla[left_pos]]
    grp_parts = [right_group[right_pos]]
    # Regions: only the (cell, region) pairs the store lacks; a stored region is never replaced by an aggregate.
    regions = np.flatnonzero(keys.level["region"])
    n_areas = keys.n_areas
    present = pd.Index(keys.cell[regions].astype(np.int64) * n_areas + keys.area[regions])
    utla_region = keys.region[utla]
    needed = keys.cell[utla].astype(np.int64) * n_areas + utla_region
    missing = (utla_region >= 0) & ~pd.Index(needed).isin(present)
    if missing.any():
        area_to_group = np.full(n_areas, -1, dtype=np.int64)
        for g, i in group_of.items():
            area_to_group[keys.area_code(g)] = i
        area_codes = list(keys.area_index)
        for code in np.unique(utla_region[missing]):
            if area_to_group[code] < 0:  # a region the geography has no members for: a group of its own
                group_of[area_codes[code]] = area_to_group[code] = len(group_codes)
                group_codes.append(area_codes[code])
                region_of_group[area_codes[code]] = ENGLAND_CODE
        src_parts.append(utla[missing])
        grp_parts.append(area_to_group[utla_region[missing]])
    src = np.concatenate(src_parts)
    grp = np.concatenate(grp_parts)
    keep = ~keys.cell_nan[src] & (grp >= 0)  # a groupby drops missing keys
    src, grp = src[keep], grp[keep]
    if len(src) == 0:
        return None, None
    # Each group's members in the order of their area codes, whatever order the rows came in (a database promises
    # none): the sums (compensated, so order shows in the last bits of non-integer counts) and the source the
    # aggregate names first are then the same for the same observations.
    area_rank = np.argsort(np.argsort(np.array([str(code) for code in keys.area_index], dtype=object)))
    member_order = np.lexsort((area_rank[keys.area[src]], grp * keys.n_cells + keys.cell[src]))
    src, grp = src[member_order], grp[member_order]

    gid, gkeys = pd.factorize(grp * keys.n_cells + keys.cell[src])  # groupby(sort=False): order of appearance
    n_groups = len(gkeys)
    first = np.unique(gid, return_index=True)[1]  # each group's first row
    is_count = vt_code[src] == stats.VALUE_TYPES.index("count")
    count = obs["count"].to_numpy(dtype=float, na_value=np.nan)[src]
    den = obs["denominator"].to_numpy(dtype=float, na_value=np.nan)[src]
    # A member row counts towards its group only when it is one of the group's members (a region's rows come by
    # their stored region code) and has the counts the method needs, valid for it (stats' row errors excluded).
    member_keys = pd.Index(
        [group_of[g] * keys.n_areas + keys.area_code(m) for g in group_codes for m in members.get(g, ())]
    )
    is_member = pd.Index(grp.astype(np.int64) * keys.n_areas + keys.area[src]).isin(member_keys)
    with np.errstate(invalid="ignore"):
        valid = (
            (count >= 0)
            & (is_count | (den > 0))
            & ~((vt_code[src] == stats.VALUE_TYPES.index("proportion")) & (count > den))
        )
    usable = is_member & ~np.isnan(count) & (is_count | ~np.isnan(den)) & valid
    grouped = pd.DataFrame(
        {"count": np.where(usable, count, np.nan), "denominator": np.where(usable & ~is_count, den, np.nan)}
    ).groupby(gid, sort=True)
    sums = grouped.sum(min_count=1)  # pandas' (compensated) sums, row order as before: the same floats
    revision = obs["revision_id"].array.take(src)
    demo = obs["is_demo"].array.take(src)
    if revision.dtype == np.int32 and demo.dtype == bool:
        revision_max = np.full(n_groups, np.iinfo(np.int32).min, dtype=np.int32)
        np.maximum.at(revision_max, gid, np.asarray(revision))
        any_demo = np.bincount(gid[np.asarray(demo)], minlength=n_groups) > 0
    else:
        other = pd.DataFrame({"revision_id": revision, "is_demo": demo}).groupby(gid, sort=True)
        revision_max, any_demo = other["revision_id"].max().to_numpy(), other["is_demo"].any().to_numpy()
    used = np.bincount(gid[usable], minlength=n_groups)

    def first_of(column: str):
        values = obs[column].array.take(src)
        return _take(values, _first_valid(values, gid, n_groups))

    source = obs["source"].array.take(src)
    source_codes, source_u = pd.factorize(source, use_na_sentinel=True)
    has = source_codes >= 0
    pairs = np.unique(gid[has].astype(np.int64) * (len(source_u) + 1) + source_codes[has])
    source_n = np.bincount(pairs // (len(source_u) + 1), minlength=n_groups)
    source_first = np.asarray(_take(source, _first_valid(source, gid, n_groups)), dtype=object)
    group_code = [group_codes[i] for i in grp[first]]
    member_counts = pd.Series([len(members[g]) if g in members else np.nan for g in group_code])
    n_members = member_counts.astype(int).to_numpy()  # a group without a member list fails here, loudly

    # Value and limits from the pooled counts with the metric's method: only when every member has them.
    group_vt = vt_code[src[first]]
    is_dsr = group_vt == stats.VALUE_TYPES.index("dsr")
    ok = ~is_dsr & (used == n_members)
    total = np.where(ok, sums["count"].to_numpy(), np.nan)
    total_den = np.where(ok & (group_vt != stats.VALUE_TYPES.index("count")), sums["denominator"].to_numpy(), np.nan)
    limits = {c: np.full(n_groups, np.nan) for c in ("value", "lower95", "upper95", "lower998", "upper998")}
    stats.fill_limits(limits, group_vt, mult[src[first]], total, total_den)
    for values in limits.values():
        values[~ok] = np.nan

    notes = np.array([f"Aggregated from {m} of {m} member areas" for m in n_members.tolist()], dtype=object)
    notes[is_dsr] = "Not aggregated: " + stats.DSR_NOT_AGGREGATABLE
    incomplete = np.flatnonzero(~ok & ~is_dsr)
    if len(incomplete):
        ends = np.append(first[1:], len(src))  # a group's rows are contiguous (sorted by group above)
        row_area_codes = np.asarray(obs["area_code"].array.take(src), dtype=object)
        value = obs["value"].to_numpy(dtype=float, na_value=np.nan)[src]
        period = np.asarray(obs["period"].array.take(src[first]), dtype=object)
        breakdown = np.asarray(obs["breakdown"].array.take(src[first]), dtype=object)
        for i in incomplete.tolist():
            rows = slice(first[i], ends[i])
            lacking = {
                a: _why_not_usable(v, c, d, ok_row, bool(cnt))
                for a, v, c, d, ok_row, cnt in zip(
                    row_area_codes[rows], value[rows], count[rows], den[rows], usable[rows], is_count[rows]
                )
            }
            notes[i] = _not_available(
                members[group_code[i]], lacking, _period_words(period[i], breakdown[i]), geography
            )
    source_text = np.array(
        [
            np.nan
            if pd.isna(f)
            else f"Aggregated by the dashboard from: {f}"
            if n == 1
            else f"Aggregated by the dashboard from {n} sources, including: {f}"
            for f, n in zip(source_first, source_n.tolist())
        ],
        dtype=object,
    )
    levels = {g: geography.get(g).level for g in set(group_code)}
    agg = pd.DataFrame(
        {
            "metric_key": obs["metric_key"].array.take(src[first]),
            "period": obs["period"].array.take(src[first]),
            "breakdown": obs["breakdown"].array.take(src[first]),
            "period_kind": first_of("period_kind"),
            "period_sortable": first_of("period_sortable"),
            "start_year": first_of("start_year"),
            "revision_id": revision_max,
            "is_demo": any_demo,
            "count": total,
            "denominator": total_den,
            **limits,
            "aggregation_note": notes,
            "source": source_text,
            "area_code": pd.array(group_code, dtype=_STR_DTYPE),
            "region_code": pd.array([region_of_group.get(g) for g in group_code], dtype=_STR_DTYPE),
            "level": np.array([levels[g] for g in group_code], dtype=object),
            "is_aggregate": np.ones(n_groups, dtype=bool),
            "value_note": np.full(n_groups, None, dtype=object),
        }
    )
    return agg, src[first]


def _without_demo_beside_real(obs: pd.DataFrame) -> pd.DataFrame:
    """The rows less the demonstration rows of any metric and area that has a real value (any period or
    breakdown): a series is real or demonstration, never both, even when a real upload leaves older
    demonstration values stored."""
    demo = obs["is_demo"].to_numpy(dtype=bool, na_value=False)
    if demo.all() or not demo.any():
        return obs
    pairs = pd.MultiIndex.from_arrays([obs["metric_key"], obs["area_code"]])
    real_pairs = pairs[~demo].unique()
    drop = demo & pairs.isin(real_pairs)
    return obs.loc[~drop].reset_index(drop=True) if drop.any() else obs


def _label_column(codes: np.ndarray, labels: tuple[str, ...]) -> pd.Categorical:
    """labels[codes] as categories in the labels' order: no string per row is made, and the insert reads them
    as Arrow dictionaries, which DuckDB maps onto the ENUM columns of indicator_values."""
    return pd.Categorical.from_codes(codes, categories=pd.Index(list(labels), dtype=_STR_DTYPE))


# The installed pandas' default string dtype (Any: pandas-stubs types pd.array only for dtypes known statically).
_STR_DTYPE: Any = pd.Series(["x"]).dtype


# The comparison with England's labels: the computed verdicts' codes, then the publishers' (as the store's ENUM).
ENGLAND_LABELS = stats.COMPARE_LABELS + PUBLISHED_COMPARE_LABELS


def _with_published(codes: np.ndarray, obs: pd.DataFrame, may: np.ndarray) -> np.ndarray:
    """The codes of the comparison with England, with the publisher's verdict (a code into ENGLAND_LABELS past the
    computed ones) where the dashboard could not compare (Not compared) and `may`: a verdict is only ever the
    publisher's where the dashboard has none of its own. Trends never read it."""
    if "published_comparison" not in obs.columns:
        return codes
    published = obs["published_comparison"]
    word_codes, words = pd.factorize(published, use_na_sentinel=True)
    known = {w: len(stats.COMPARE_LABELS) + i for i, w in enumerate(PUBLISHED_COMPARE_WORDS)}
    lookup = np.array([known.get(str(w), -1) for w in words] + [-1], dtype=np.int64)
    published_code = lookup[np.where(word_codes < 0, len(words), word_codes)]
    use = may & (codes == stats.COMPARE_LABELS.index(NOT_COMPARED)) & (published_code >= 0)
    return np.where(use, published_code, codes).astype(np.int8)


def derive_frame(obs: pd.DataFrame, catalogue: Catalogue, geography: Geography) -> pd.DataFrame:
    """The indicator_values rows for the observations of some metrics (pure; no database)."""
    if obs.empty:
        return pd.DataFrame()
    attrs = _metric_attributes(catalogue)
    obs = _without_demo_beside_real(obs.reset_index(drop=True))
    obs["is_aggregate"] = False
    obs["aggregation_note"] = None
    keys = _Keys(obs, geography)

    # The metric's attributes per row, through the metric codes (index -1: a metric not in the catalogue).
    at = pd.Index(attrs["metric_key"]).get_indexer(keys.metric_uniques)

    def per_metric(values: np.ndarray, missing) -> np.ndarray:
        return np.append(values, missing)[at]

    # (checked as limits_for_frame and compare check them row by row: the same errors for the same metrics)
    vt_m = stats.vocabulary_codes(
        per_metric(attrs["value_type"].to_numpy(dtype=object), np.nan),
        stats.VALUE_TYPES,
        stats.check_value_type,
        allow_missing=True,
    )
    pol_m = stats.vocabulary_codes(
        per_metric(attrs["polarity"].to_numpy(dtype=object), np.nan), stats.POLARITIES, stats.check_polarity
    )
    mult_m = per_metric(attrs["multiplier"].to_numpy(dtype=float), np.nan)
    goal_m = per_metric(attrs["goal"].to_numpy(dtype=float), np.nan)
    comparable_m = per_metric(attrs["benchmarkable"].astype(bool).to_numpy(), True)
    has_interval_m = per_metric(attrs["has_interval"].astype(bool).to_numpy(), True)
    vt = vt_m[keys.metric]

    # 1. Fill value and limits from counts where the file gave none.
    limits = {
        c: obs[c].to_numpy(dtype=float, na_value=np.nan, copy=True)
        for c in ("value", "lower95", "upper95", "lower998", "upper998")
    }
    errors = stats.fill_limits(
        limits,
        vt,
        mult_m[keys.metric],
        obs["count"].to_numpy(dtype=float, na_value=np.nan),
        obs["denominator"].to_numpy(dtype=float, na_value=np.nan),
    )
    for col, values in limits.items():
        obs[col] = values
    bad = pd.notna(errors)
    if bad.any():
        obs.loc[bad, "value_note"] = [
            f"{n}; {e}" if isinstance(n, str) and n else e for n, e in zip(obs.loc[bad, "value_note"], errors[bad])
        ]

    # 2. Aggregated footprints and missing regions.
    agg, agg_src = _aggregate_footprints(obs, keys, vt, mult_m[keys.metric], geography)
    metric, cell, breakdown = keys.metric, keys.cell, keys.breakdown
    area, region = keys.area, keys.region
    is_region, is_england_level = keys.level["region"], keys.level["england"]
    has_region = keys.level["utla"] | keys.level["cdp"]
    if agg is not None:
        # An aggregate of demonstration members is not made for an area whose series is real.
        real_cell = ~obs["is_demo"].to_numpy(dtype=bool, na_value=False)
        real_pairs = pd.Index(keys.metric[real_cell].astype(np.int64) << 32 | keys.area[real_cell])
        agg_pairs = keys.metric[agg_src].astype(np.int64) << 32 | keys.area_codes(agg["area_code"])
        keep_agg = ~(agg["is_demo"].to_numpy(dtype=bool) & pd.Index(agg_pairs).isin(real_pairs))
        agg, agg_src = agg.loc[keep_agg].reset_index(drop=True), agg_src[keep_agg]
    if agg is not None and len(agg):
        obs = pd.concat([obs, agg], ignore_index=True)
        metric = np.concatenate([metric, metric[agg_src]])
        cell = np.concatenate([cell, cell[agg_src]])
        breakdown = np.concatenate([breakdown, breakdown[agg_src]])
        area = np.concatenate([area, keys.area_codes(agg["area_code"])])
        region = np.concatenate([region, keys.area_codes(agg["region_code"])])
        agg_level = agg["level"].to_numpy(dtype=object)
        is_region = np.concatenate([is_region, agg_level == "region"])
        is_england_level = np.concatenate([is_england_level, agg_level == "england"])
        has_region = np.concatenate([has_region, (agg_level == "utla") | (agg_level == "cdp")])

    # A metric whose publisher gives no interval (a complete count: every person in treatment is recorded) has
    # none, whether a file gave limits or counts would make them: an interval there would claim sampling error.
    no_interval = ~has_interval_m[metric]
    if no_interval.any():
        obs.loc[no_interval, ["lower95", "upper95", "lower998", "upper998"]] = np.nan

    # 3. Comparisons with England, region and goal (left joins on integer cell and area codes).
    value = obs["value"].to_numpy(dtype=float, na_value=np.nan)
    demo = obs["is_demo"].to_numpy(dtype=bool, na_value=False)
    england_code = keys.area_code(ENGLAND_CODE)
    is_england = area == england_code
    england_rows = np.flatnonzero(is_england)
    england_values = value[england_rows]
    rows, match = _join(cell, cell[england_rows])
    if len(rows) != len(obs):  # duplicate keys: rows repeat as pandas' merge repeats them
        obs = obs.take(rows).reset_index(drop=True)
        metric, cell, breakdown, area, region = metric[rows], cell[rows], breakdown[rows], area[rows], region[rows]
        is_region, is_england_level, has_region = is_region[rows], is_england_level[rows], has_region[rows]
        is_england, value, demo = is_england[rows], value[rows], demo[rows]
    england_value = np.append(england_values, np.nan)[match]  # -1 (no match) picks the NaN
    england_demo = np.append(demo[england_rows], False)[match]
    n_areas = keys.n_areas
    region_rows = np.flatnonzero(is_region)
    region_values, region_demo = value[region_rows], demo[region_rows]
    left = np.where(region >= 0, cell.astype(np.int64) * n_areas + region, -1)
    rows, match = _join(left, cell[region_rows].astype(np.int64) * n_areas + area[region_rows])
    if len(rows) != len(obs):
        obs = obs.take(rows).reset_index(drop=True)
        metric, cell, breakdown, area, region = metric[rows], cell[rows], breakdown[rows], area[rows], region[rows]
        is_region, is_england_level, has_region = is_region[rows], is_england_level[rows], has_region[rows]
        is_england, value, england_value = is_england[rows], value[rows], england_value[rows]
        demo, england_demo = demo[rows], england_demo[rows]
    region_value = np.append(region_values, np.nan)[match]
    # A real figure is never compared with a demonstration benchmark (the verdict would be demonstration).
    england_value[~demo & england_demo] = np.nan
    region_value[~demo & np.append(region_demo, False)[match]] = np.nan
    region_value[is_region | is_england_level] = np.nan

    pol = pol_m[metric]
    lower = obs["lower95"].to_numpy(dtype=float, na_value=np.nan)
    upper = obs["upper95"].to_numpy(dtype=float, na_value=np.nan)
    comparable = comparable_m[metric]
    not_compared = np.int8(stats.COMPARE_LABELS.index(NOT_COMPARED))
    vs_england, _, _ = stats.compare_codes(value, lower, upper, england_value, pol, is_england)
    vs_region, _, _ = stats.compare_codes(value, lower, upper, region_value, pol, np.zeros(len(obs), dtype=bool))
    vs_goal = stats.goal_codes(value, lower, upper, goal_m[metric], pol)

    # 4. Recent trend of the five periods ending at each row.
    # A series is one (metric, area, breakdown, kind of period): years and quarters of one metric are two series,
    # so quarters stored beside years do not break the years' five-point window. Rows missing any key belong to
    # none.
    kind_codes, kind_u = pd.factorize(obs["period_kind"], use_na_sentinel=True)
    kind = np.array([stats.PERIOD_KIND_CODE.get(k, 0) for k in kind_u] + [0], dtype=np.int64)[kind_codes]
    series = ((metric.astype(np.int64) * n_areas + area) * (int(breakdown.max()) + 1) + breakdown) * (
        len(kind_u) + 1
    ) + (kind_codes + 1)
    series[keys.metric_nan[metric] | keys.breakdown_nan[breakdown] | np.asarray(pd.isna(obs["area_code"]))] = -1
    trend = stats.trend_codes(
        series,
        obs["start_year"].to_numpy(dtype=float, na_value=np.nan),
        kind,
        value,
        lower,
        upper,
        obs["count"].to_numpy(dtype=float, na_value=np.nan),
        obs["denominator"].to_numpy(dtype=float, na_value=np.nan),
        vt_m[metric] == stats.VALUE_TYPES.index("proportion"),
        pol,
    )

    obs["england_value"] = england_value
    obs["region_value"] = region_value
    vs_england = np.where(comparable, vs_england, not_compared)
    obs["compared_to_england"] = _label_column(
        _with_published(vs_england, obs, comparable & ~is_england & ~np.isnan(value)), ENGLAND_LABELS
    )
    obs["compared_to_region"] = _label_column(
        np.where(comparable & has_region, vs_region, not_compared), stats.COMPARE_LABELS
    )
    obs["compared_to_goal"] = _label_column(vs_goal, stats.GOAL_LABELS)
    obs["recent_trend"] = _label_column(trend, stats.TREND_LABELS)

    keep = [c for c in _DERIVED_COLUMNS if c in obs.columns]
    out = obs[keep]  # (no copy: every column is the frame's own or new)
    out["is_demo"] = out["is_demo"].fillna(False).astype(bool)
    out["is_aggregate"] = out["is_aggregate"].astype(bool)
    return out


_DERIVED_COLUMNS = (
    OBS_KEY
    # (the publisher's comparison is in compared_to_england where it is shown, not a column of its own)
    + [c for c in OBS_VALUE_COLUMNS if c != "published_comparison"]
    + [
        "level",
        "region_code",
        "period_kind",
        "period_sortable",
        "start_year",
        "revision_id",
        "is_aggregate",
        "aggregation_note",
        "england_value",
        "region_value",
        "compared_to_england",
        "compared_to_region",
        "compared_to_goal",
        "recent_trend",
    ]
)


# The most stored values a write derives at once: derived values stay within a metric, so a write derives its
# metrics in batches of about this many rows (Store.write's derive_batches), which bounds a big upload's memory.
BATCH_ROWS = 150_000
