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
    """Rows for CDP footprints, and for regions missing from the store, aggregated from member authorities."""
    groups: list[tuple[str, str, list[str]]] = []  # (code, region_code, members)
    for fp in geography.footprints():
        groups.append((fp.code, fp.region_code, list(fp.members)))
    utla = obs[obs["level"] == "utla"]
    if utla.empty:
        return pd.DataFrame()
    present_regions = set(zip(obs.loc[obs["level"] == "region", "metric_key"],
                              obs.loc[obs["level"] == "region", "period"],
                              obs.loc[obs["level"] == "region", "breakdown"]))
    for region in geography.regions():
        members = [a.code for a in geography.utlas() if a.region_code == region.code]
        groups.append((region.code, ENGLAND_CODE, members))

    by_metric = attrs.set_index("metric_key")
    out = []
    utla = utla.set_index("area_code")
    for code, region_code, members in groups:
        is_region = geography.get(code).level == "region"
        part = utla[utla.index.isin(members)].reset_index()
        if part.empty:
            continue
        for (metric, period, breakdown), cell in part.groupby(["metric_key", "period", "breakdown"], sort=False):
            if is_region and (metric, period, breakdown) in present_regions:
                continue
            a = by_metric.loc[metric]
            first = cell.iloc[0]
            base = {
                "metric_key": metric, "area_code": code, "period": period, "breakdown": breakdown,
                "level": geography.get(code).level, "region_code": region_code,
                "period_kind": first["period_kind"], "period_sortable": first["period_sortable"],
                "start_year": first["start_year"], "is_aggregate": True, "revision_id": int(cell["revision_id"].max()),
                "is_demo": bool(cell["is_demo"].any()),
                "source": "Aggregated by the dashboard from: " + "; ".join(sorted(set(cell["source"].dropna()))),
            }
            missing_members = sorted(set(members) - set(cell["area_code"]))
            res = stats.aggregate(cell["count"].to_numpy(float), cell["denominator"].to_numpy(float),
                                  a["value_type"], multiplier=a["multiplier"])
            names = [geography.get(m).name for m in missing_members]
            if res.refused_reason:
                note = f"Not aggregated: {res.refused_reason}"
                vals = dict(value=np.nan, lower95=np.nan, upper95=np.nan, lower998=np.nan, upper998=np.nan,
                            count=np.nan, denominator=np.nan)
            else:
                used = res.members_used
                note = f"Aggregated from {used} of {len(members)} member areas"
                if res.members_missing or missing_members:
                    note += " (members without counts or values are left out: " + \
                        ", ".join(names) + ")" if names else " (some members had no counts)"
                vals = dict(value=res.value, lower95=res.lower95, upper95=res.upper95, lower998=res.lower998,
                            upper998=res.upper998, count=res.count, denominator=res.denominator)
            out.append({**base, **vals, "value_note": None, "aggregation_note": note})
    return pd.DataFrame(out)


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


def make_rederive(catalogue: Catalogue, geography: Geography):
    """The callback the store runs inside a write transaction to rebuild indicator_values."""

    def rederive(cur, metric_keys: list[str]) -> None:
        obs = Store.read_observations_for_derive(cur, metric_keys)
        derived = derive_frame(obs, catalogue, geography)
        Store.replace_derived(cur, metric_keys, derived)

    return rederive
