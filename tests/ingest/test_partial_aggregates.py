"""Issue 15: a footprint or region is aggregated only from ALL its member authorities; otherwise it has no value
and its note says why. Real DuckDB files: the default build, then the real samples and template rows loaded."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from metrics.areas import default_geography
from metrics.ingest.pipeline import commit, prepare
from metrics.store import Store

from .conftest import FIXTURES

LONDON, WEST_MIDLANDS, SOUTH_EAST = "E12000007", "E12000005", "E12000008"


def _shown(db, metric, area) -> dict:
    """The derived rows the pages read for one area, by period."""
    with Store(db, read_only=True) as store:
        return {r.period: r for r in store.series(metric, [area]).itertuples()}


def _load(db, path):
    prepared = prepare(path)
    assert prepared.ok, prepared.problems.to_string()
    with Store(db) as store:
        commit(store, prepared, author="test")


def _template(tmp_path, *rows) -> str:
    path = tmp_path / "rows.csv"
    path.write_text(
        "metric_key,area_code,period,value,count,denominator\n" + "".join(r + "\n" for r in rows), encoding="utf-8"
    )
    return path


def test_joint_cdp_has_no_continuity_of_care_where_worcestershire_was_published_without_counts(module_db):
    # Worcestershire's published 25.17% (2021/22) and 51.70% (2022/23) have no counts: the footprint is not
    # Herefordshire's 83/167 (49.7%) and 90/172 (52.3%) alone any more.
    geography = default_geography()
    cdp = next(fp for fp in geography.footprints() if fp.name == "Herefordshire and Worcestershire CDP")
    assert set(cdp.members) == {"E06000019", "E10000034"}
    worcs = _shown(module_db, "continuity_of_care", "E10000034")
    assert worcs["2021/22"].value == 25.17 and math.isnan(worcs["2021/22"].count)
    assert worcs["2022/23"].value == 51.70 and math.isnan(worcs["2022/23"].count)
    footprint = _shown(module_db, "continuity_of_care", cdp.code)
    for period in ("2021/22", "2022/23"):
        row = footprint[period]
        assert row.is_aggregate and math.isnan(row.value) and math.isnan(row.count)
        assert math.isnan(row.lower95) and math.isnan(row.upper95)
        assert row.compared_to_england == "Not compared" and row.compared_to_goal == "Not compared"
        assert row.aggregation_note == f"Not available: Worcestershire's {period} figure was published without counts"
    # Worcestershire's series is real, so its demonstration 2023/24 figure is not stored (issue 16): no pooled
    # 2023/24 figure either
    assert footprint["2023/24"].aggregation_note == "Not available: Worcestershire has no 2023/24 figure"
    assert math.isnan(footprint["2023/24"].value)


def test_london_is_not_derived_from_barnet_alone(db):
    _load(db, FIXTURES / "ndtms/viewit_export_la_barnet.csv")
    barnet = _shown(db, "numbers_in_treatment", "E09000003")
    london = _shown(db, "numbers_in_treatment", LONDON)
    boroughs = [a for a in default_geography().utlas() if a.region_code == LONDON]
    assert len(boroughs) == 33
    for year in range(2009, 2015):
        period = f"{year}/{str(year + 1)[-2:]}"
        assert barnet[period].value > 0  # Barnet's own figure was loaded
        row = london[period]
        assert row.is_aggregate and math.isnan(row.value) and math.isnan(row.count)
        assert row.aggregation_note == f"Not available: 32 of 33 member areas have no {period} figure"
        assert math.isnan(barnet[period].region_value) and barnet[period].compared_to_region == "Not compared"


def test_west_midlands_is_not_derived_from_one_quarterly_worcestershire_row(db, tmp_path):
    _load(db, _template(tmp_path, "continuity_of_care,E10000034,2023/24 Q3,55.0,55,100"))
    assert _shown(db, "continuity_of_care", "E10000034")["2023/24 Q3"].value == 55.0
    region = _shown(db, "continuity_of_care", WEST_MIDLANDS)["2023/24 Q3"]
    assert region.is_aggregate and math.isnan(region.value)
    assert region.aggregation_note == "Not available: 13 of 14 member areas have no 2023/24 Q3 figure"
    footprint = _shown(db, "continuity_of_care", "CDP0001")["2023/24 Q3"]
    assert math.isnan(footprint.value)
    assert footprint.aggregation_note == "Not available: Herefordshire has no 2023/24 Q3 figure"


def test_south_east_is_not_derived_from_a_buckinghamshire_only_local_measure(db, tmp_path):
    _load(db, _template(tmp_path, "naloxone_coverage_opiate,E06000060,2023/24,50.0,120,240"))
    assert _shown(db, "naloxone_coverage_opiate", "E06000060")["2023/24"].value == 50.0
    region = _shown(db, "naloxone_coverage_opiate", SOUTH_EAST)["2023/24"]
    assert region.is_aggregate and math.isnan(region.value)
    assert region.aggregation_note == "Not available: 18 of 19 member areas have no 2023/24 figure"


def test_a_published_region_wins_over_a_derived_one(db, tmp_path):
    # every West Midlands authority given counts, and the region's own published figure beside them
    members = [a.code for a in default_geography().utlas() if a.region_code == WEST_MIDLANDS]
    rows = [f"continuity_of_care,{code},2023/24 Q3,50.0,50,100" for code in members]
    _load(db, _template(tmp_path, *rows))
    derived = _shown(db, "continuity_of_care", WEST_MIDLANDS)["2023/24 Q3"]
    assert derived.is_aggregate and derived.value == pytest.approx(50.0)
    assert derived.aggregation_note == "Aggregated from 14 of 14 member areas"
    _load(db, _template(tmp_path, f"continuity_of_care,{WEST_MIDLANDS},2023/24 Q3,47.5,,"))
    published = _shown(db, "continuity_of_care", WEST_MIDLANDS)["2023/24 Q3"]
    assert not published.is_aggregate and published.value == 47.5 and pd.isna(published.aggregation_note)
