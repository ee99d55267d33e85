"""A partnership's own group of authorities, aggregated by the same rule as the configured CDP footprints.

The group is derived by metrics.derive.derive_frame, the function that derives the configured footprints at load
time, over a geography whose one footprint is the group: the aggregation (which members count, sums of counts and
denominators, limits by the metric's method, DSRs refused), the comparison with England and the recent trend are
the footprints' own, and follow any change to them. Pure: observations in, derived rows out.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from metrics.areas import ENGLAND_CODE, Area, Geography
from metrics.catalogue import Catalogue
from metrics.derive import derive_frame

GROUP_CODE = "GROUP"  # the group's code in the derived rows (never stored)
MIN_MEMBERS = 2


class GroupError(ValueError):
    """A group that cannot be aggregated (too few or unknown members); the message says what to do."""


def group_geography(geography: Geography, members: Sequence[str], name: str) -> Geography:
    """The geography with the group as its only footprint (the configured footprints left out: only the group is
    being derived)."""
    unknown = [m for m in members if m not in geography.areas or geography.areas[m].level != "utla"]
    if unknown:
        raise GroupError(f"Not upper-tier local authorities: {', '.join(unknown)}. A group is made of authorities.")
    if len(set(members)) < MIN_MEMBERS:
        raise GroupError(f"Choose at least {MIN_MEMBERS} authorities to make a group.")
    regions = {geography.areas[m].region_code for m in members}
    areas = {code: a for code, a in geography.areas.items() if a.level != "cdp"}
    areas[GROUP_CODE] = Area(
        GROUP_CODE, name, "cdp", regions.pop() if len(regions) == 1 else ENGLAND_CODE, tuple(sorted(set(members)))
    )
    return Geography(areas=areas, legacy_codes=dict(geography.legacy_codes), retired=dict(geography.retired))


def derive_group(
    observations: pd.DataFrame, catalogue: Catalogue, geography: Geography, members: Sequence[str], name: str
) -> pd.DataFrame:
    """The group's derived rows (every metric, period and breakdown its members have), with area_name.

    observations: store.observations_for_areas(members + [England]) (England's rows for the comparison)."""
    geo = group_geography(geography, members, name)
    if observations.empty:
        return pd.DataFrame()
    derived = derive_frame(observations, catalogue, geo)
    if derived.empty:
        return derived
    out = derived[derived["area_code"] == GROUP_CODE].copy()
    for col in ("compared_to_england", "compared_to_region", "compared_to_goal", "recent_trend"):
        out[col] = out[col].astype(str)
    out["area_name"] = name
    return out.reset_index(drop=True)


def members_of(geography: Geography, code: str) -> list[str]:
    """The upper-tier authorities of a region (by name) or the members of a CDP footprint; an authority itself."""
    area = geography.get(code)
    if area.level == "cdp":
        return list(area.members)
    if area.level == "region":
        return [a.code for a in geography.utlas() if a.region_code == code]
    if area.level == "england":
        return [a.code for a in geography.utlas()]
    return [code]


def group_in_period(
    group_rows: pd.DataFrame | None, metric_key: str, period: str, breakdown: str = "Total"
) -> pd.DataFrame | None:
    """The group's row for one metric and period (as the pages' other rows look, named "<name> (your group)"), or
    None when there is none."""
    if group_rows is None or group_rows.empty:
        return None
    row = group_rows[
        (group_rows["metric_key"] == metric_key)
        & (group_rows["period"] == period)
        & (group_rows["breakdown"] == breakdown)
    ]
    if row.empty:
        return None
    return row.assign(area_name=row["area_name"] + " (your group)").reset_index(drop=True)
