"""From stored observations to what the pages show: computed once at load time, so pages only read.

For the metrics a write touched, `rederive` reads their observations and
1. fills value and 95% / 99.8% limits from count and denominator where a file gave none (the file's own
   limits are kept: Fingertips' unmet-need limits, for one, carry the prevalence estimate's uncertainty);
2. aggregates CDP footprints (and regions the store lacks) from member authorities with the metric's method;
3. compares each area with England and with its region (Fingertips' rule, 95%), and with the goal;
4. computes the recent-trend marker for each period from the five periods ending there;
then replaces the metrics' rows of `indicator_values` inside the caller's transaction.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from metrics import stats
from metrics.areas import ENGLAND_CODE, Geography
from metrics.catalogue import Catalogue
from metrics.store import OBS_KEY, Store

NOT_COMPARED = "Not compared"


def _metric_attributes(catalogue: Catalogue) -> pd.DataFrame:
    rows = []
    for ind in catalogue.indicators:
        rows.append({
            "metric_key": ind.key,
            "value_type": ind.value_type,
            "multiplier": float(ind.multiplier),
            "polarity": ind.polarity,
            "benchmarkable": ind.benchmarkable,
            "goal": ind.target.value if ind.target else np.nan,
            "aggregatable": ind.value_type != "dsr",
        })
    return pd.DataFrame(rows)


def _aggregate_footprints(obs: pd.DataFrame, geography: Geography, attrs: pd.DataFrame) -> pd.DataFrame:
    """Rows for CDP footprints, and for regions missing from the store, aggregated from member authorities.

    Vectorised: sums of the counts and denominators of the members that have both (only counts for a count),
    then value and limits recomputed with the metric's method by stats.limits_for_frame, exactly as
    stats.aggregate does for one cell. A DSR is never aggregated (it needs age-specific counts).
    """
    utla = obs[obs["level"] == "utla"]
    if utla.empty:
        return pd.DataFrame()
    groups = [(fp.code, fp.region_code, m) for fp in geography.footprints() for m in fp.members]
    groups += [(a.region_code, ENGLAND_CODE, a.code) for a in geography.utlas()]
    membership = pd.DataFrame(groups, columns=["group_code", "group_region", "area_code"])
    n_members = membership.groupby("group_code").size().rename("n_members")
    cell = ["metric_key", "period", "breakdown"]

    footprint_members = membership[membership["group_code"].isin([fp.code for fp in geography.footprints()])]
    parts = [utla.merge(footprint_members, on="area_code")]
    # Regions: only the (cell, region) pairs the store lacks; a stored region is never replaced by an aggregate.
    needed = utla[cell + ["region_code"]].drop_duplicates()
    present = obs.loc[obs["level"] == "region", cell + ["area_code"]].rename(columns={"area_code": "region_code"})
    missing = needed.merge(present.assign(_present=True), on=cell + ["region_code"], how="left")
    missing = missing.loc[missing["_present"].isna(), cell + ["region_code"]]
    if not missing.empty:
        parts.append(utla.merge(missing, on=cell + ["region_code"])
                     .assign(group_code=lambda f: f["region_code"], group_region=ENGLAND_CODE))
    rows = pd.concat(parts, ignore_index=True)
    if rows.empty:
        return pd.DataFrame()
    is_count = rows["value_type"] == "count"
    rows["usable"] = rows["count"].notna() & (is_count | rows["denominator"].notna())
    rows["count_used"] = rows["count"].where(rows["usable"])
    rows["den_used"] = rows["denominator"].where(rows["usable"] & ~is_count)
    keys = ["group_code"] + cell
    grouped = rows.groupby(keys, sort=False)
    agg = grouped.agg(
        group_region=("group_region", "first"), period_kind=("period_kind", "first"),
        period_sortable=("period_sortable", "first"), start_year=("start_year", "first"),
        revision_id=("revision_id", "max"), is_demo=("is_demo", "any"), used=("usable", "sum"),
        source_first=("source", "first"), source_n=("source", "nunique"),
    )
    agg[["count", "denominator"]] = grouped[["count_used", "den_used"]].sum(min_count=1)
    agg = agg.reset_index()
    agg = agg.join(n_members, on="group_code").merge(attrs, on="metric_key", how="left")

    refused = np.where(agg["value_type"] == "dsr", "Not aggregated: " + stats.DSR_NOT_AGGREGATABLE,
                       np.where(agg["used"] == 0, "Not aggregated: no member area has the counts needed", None))
    ok = pd.isna(refused)
    agg.loc[~ok, ["count", "denominator"]] = np.nan
    agg.loc[agg["value_type"] == "count", "denominator"] = np.nan
    for col in ("value", "lower95", "upper95", "lower998", "upper998"):
        agg[col] = np.nan
    filled = stats.limits_for_frame(agg)
    for col in ("value", "lower95", "upper95", "lower998", "upper998"):
        agg[col] = filled[col].where(ok).to_numpy()

    notes = np.where(ok, "Aggregated from " + agg["used"].astype(int).astype(str) + " of "
                     + agg["n_members"].astype(int).astype(str) + " member areas", refused).astype(object)
    # Name the members left out (rare: only where some member lacks counts).
    for i in np.flatnonzero(ok & (agg["used"] < agg["n_members"]).to_numpy()):
        g = agg.iloc[i]
        part = rows[(rows["group_code"] == g["group_code"]) & (rows["metric_key"] == g["metric_key"])
                    & (rows["period"] == g["period"]) & (rows["breakdown"] == g["breakdown"]) & rows["usable"]]
        have = set(part["area_code"])
        missing = [geography.get(m).name for m in membership.loc[membership.group_code == g["group_code"], "area_code"]
                   if m not in have]
        notes[i] += "; left out for want of counts: " + ", ".join(missing)
    agg["aggregation_note"] = notes
    agg["source"] = np.where(agg["source_n"] == 1, "Aggregated by the dashboard from: " + agg["source_first"],
                             "Aggregated by the dashboard from " + agg["source_n"].astype(str)
                             + " sources, including: " + agg["source_first"])
    agg["area_code"] = agg["group_code"]
    agg["region_code"] = agg["group_region"]
    agg["level"] = agg["area_code"].map(lambda c: geography.get(c).level)
    agg["is_aggregate"] = True
    agg["value_note"] = None
    return agg.drop(columns=["group_code", "group_region", "used", "source_first", "source_n", "n_members"]
                    + list(attrs.columns.drop("metric_key")))


def derive_frame(obs: pd.DataFrame, catalogue: Catalogue, geography: Geography) -> pd.DataFrame:
    """The indicator_values rows for the observations of some metrics (pure; no database)."""
    if obs.empty:
        return pd.DataFrame()
    attrs = _metric_attributes(catalogue)
    obs = obs.copy()
    obs["is_aggregate"] = False
    obs["aggregation_note"] = None

    # 1. Fill value and limits from counts where the file gave none.
    obs = obs.merge(attrs, on="metric_key", how="left")
    filled = stats.limits_for_frame(obs)
    for col in ("value", "lower95", "upper95", "lower998", "upper998"):
        obs[col] = filled[col].to_numpy()
    bad = filled["error"].notna().to_numpy()
    if bad.any():
        obs.loc[bad, "value_note"] = [
            f"{n}; {e}" if isinstance(n, str) and n else e
            for n, e in zip(obs.loc[bad, "value_note"], filled.loc[bad, "error"])
        ]

    # 2. Aggregated footprints and missing regions.
    agg = _aggregate_footprints(obs, geography, attrs)
    if not agg.empty:
        agg = agg.merge(attrs, on="metric_key", how="left")
        obs = pd.concat([obs, agg], ignore_index=True)

    # 3. Comparisons with England, region and goal.
    cell = ["metric_key", "period", "breakdown"]
    england = obs.loc[obs["area_code"] == ENGLAND_CODE, cell + ["value"]].rename(columns={"value": "england_value"})
    obs = obs.merge(england, on=cell, how="left")
    regions = obs.loc[obs["level"] == "region", cell + ["area_code", "value"]].rename(
        columns={"area_code": "region_code", "value": "region_value"})
    obs = obs.merge(regions, on=cell + ["region_code"], how="left")
    obs.loc[obs["level"].isin(["england", "region"]), "region_value"] = np.nan

    comparable = obs["benchmarkable"].astype(bool).to_numpy()
    is_england = (obs["area_code"] == ENGLAND_CODE).to_numpy()
    vs_england = stats.compare(obs["value"], obs["lower95"], obs["upper95"], obs["england_value"],
                               obs["polarity"], is_benchmark_area=is_england)
    obs["compared_to_england"] = np.where(comparable, vs_england, NOT_COMPARED)
    has_region = obs["level"].isin(["utla", "cdp"]).to_numpy()
    vs_region = stats.compare(obs["value"], obs["lower95"], obs["upper95"], obs["region_value"], obs["polarity"])
    obs["compared_to_region"] = np.where(comparable & has_region, vs_region, NOT_COMPARED)
    obs["compared_to_goal"] = stats.compare_goal(obs["value"], obs["lower95"], obs["upper95"], obs["goal"],
                                                 obs["polarity"])

    # 4. Recent trend of the five periods ending at each row.
    obs["series_id"] = obs["metric_key"] + "|" + obs["area_code"] + "|" + obs["breakdown"]
    obs["recent_trend"] = stats.trend_for_frame(obs).to_numpy()

    keep = [c for c in _DERIVED_COLUMNS if c in obs.columns]
    out = obs[keep].copy()
    out["is_demo"] = out["is_demo"].fillna(False).astype(bool)
    out["is_aggregate"] = out["is_aggregate"].astype(bool)
    return out


_DERIVED_COLUMNS = OBS_KEY + [
    "value", "lower95", "upper95", "lower998", "upper998", "count", "denominator", "value_note", "source",
    "is_demo", "level", "region_code", "period_kind", "period_sortable", "start_year", "revision_id",
    "is_aggregate", "aggregation_note", "england_value", "region_value", "compared_to_england",
    "compared_to_region", "compared_to_goal", "recent_trend",
]


BATCH_ROWS = 150_000


def make_rederive(catalogue: Catalogue, geography: Geography):
    """The callback the store runs inside a write transaction to rebuild indicator_values."""

    def rederive(cur, metric_keys: list[str]) -> None:
        # Metrics in batches of up to BATCH_ROWS stored values: everything derived (comparisons, aggregates,
        # trends) stays within a metric, so batching is free to split anywhere between metrics. Batches bound
        # the memory of a million-row upload; grouping small metrics amortises derive_frame's fixed cost.
        sizes = Store.observation_counts(cur, metric_keys)
        batch: list[str] = []
        rows = 0
        for key in metric_keys:
            n = sizes.get(key, 0)
            if batch and rows + n > BATCH_ROWS:
                _rederive_batch(cur, batch)
                batch, rows = [], 0
            batch.append(key)
            rows += n
        if batch:
            _rederive_batch(cur, batch)

    def _rederive_batch(cur, keys: list[str]) -> None:
        obs = Store.read_observations_for_derive(cur, keys)
        Store.replace_derived(cur, keys, derive_frame(obs, catalogue, geography))

    return rederive
