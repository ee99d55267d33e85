"""The default database: every metric at its publishing geography, published figures with their sources."""
import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from metrics.areas import ENGLAND_CODE, load_geography
from metrics.catalogue import load_catalogue

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built_db(tmp_path_factory) -> Path:
    """This module's own default database (other tests' processes may hold the shared one open)."""
    from metrics.build import build_database

    path = tmp_path_factory.mktemp("build") / "cdof.duckdb"
    build_database(path, log=lambda m: None)
    return path


@pytest.fixture(scope="module")
def export(built_db) -> pd.DataFrame:
    out = subprocess.run([sys.executable, "-m", "metrics", "export", "--db", str(built_db)], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return pd.read_csv(io.StringIO(out.stdout), dtype={"period": str, "value_note": str})


def test_every_national_metric_has_england_rows(export):
    cat = load_catalogue()
    national = {i.key for i in cat.indicators if i.tier != "local"}
    england = set(export.loc[export.area_code == ENGLAND_CODE, "metric_key"])
    assert national <= england


def test_locally_published_metrics_cover_all_153_authorities(export):
    cat = load_catalogue()
    utlas = {a.code for a in load_geography().utlas()}
    for ind in cat.indicators:
        if ind.tier == "local" or not ind.published_locally:
            continue
        areas = set(export.loc[export.metric_key == ind.key, "area_code"])
        assert utlas <= areas, ind.key


def test_metrics_not_published_locally_have_no_local_values(export):
    cat = load_catalogue()
    utlas = {a.code for a in load_geography().utlas()}
    for ind in cat.indicators:
        if ind.published_locally:
            continue
        assert not (set(export.loc[export.metric_key == ind.key, "area_code"]) & utlas), ind.key


def test_published_values_appear_with_their_sources(export):
    coc = export[(export.metric_key == "continuity_of_care") & (export.area_code == "E10000034")].set_index("period")
    assert coc.loc["2022/23", "value"] == pytest.approx(51.70)
    assert coc.loc["2021/22", "value"] == pytest.approx(25.17)
    assert coc.loc["2022/23", "source"].startswith("Published: seed 003")
    assert not coc.loc["2022/23", "is_demo"]
    deaths = export[(export.metric_key == "drug_misuse_deaths") & (export.period == "2022 - 24")].set_index("area_code")
    assert deaths.loc["E06000060", "value"] == pytest.approx(3.63)
    assert deaths.loc[ENGLAND_CODE, "value"] == pytest.approx(5.8)


def test_demo_values_are_marked_and_consistent(export):
    demo = export[export.is_demo]
    assert len(demo) > 30000
    assert demo.source.str.startswith("DEMONSTRATION DATA").all()
    props = demo[demo.metric_key == "treatment_progress"].dropna(subset=["count"])
    assert ((props["count"] / props["denominator"] * 100 - props["value"]).abs() < 1e-9).all()
    assert ((props.lower95 <= props.value) & (props.value <= props.upper95)).all()
    # suppressed values stay missing with their note, never 0
    suppressed = export[export.value_note.fillna("").str.startswith("Value suppressed")]
    assert len(suppressed) > 0 and suppressed.value.isna().all()


def test_export_is_stable(built_db):
    a = subprocess.run([sys.executable, "-m", "metrics", "export", "--db", str(built_db)], cwd=ROOT,
                       capture_output=True, check=True).stdout
    b = subprocess.run([sys.executable, "-m", "metrics", "export", "--db", str(built_db)], cwd=ROOT,
                       capture_output=True, check=True).stdout
    assert a == b


def test_build_is_deterministic(tmp_path, built_db):
    from metrics.build import build_database
    from metrics.store import Store

    path = tmp_path / "again.duckdb"
    build_database(path, log=lambda m: None)
    with Store(path, read_only=True) as a, Store(built_db, read_only=True) as b:
        cols = [c for c in a.export_rows().columns if c != "revision_id"]
        pd.testing.assert_frame_equal(a.export_rows()[cols], b.export_rows()[cols])


def test_derived_values_have_one_row_per_cell(built_db):
    import duckdb

    con = duckdb.connect(str(built_db), read_only=True)
    try:
        dupes = con.execute("""SELECT count(*) FROM (SELECT metric_key, area_code, period, breakdown
                               FROM indicator_values GROUP BY ALL HAVING count(*) > 1)""").fetchall()[0][0]
        footprint = con.execute("SELECT count(*) FROM indicator_values WHERE area_code = 'CDP0001'").fetchall()[0][0]
    finally:
        con.close()
    assert dupes == 0
    assert footprint > 100  # the joint CDP footprint is aggregated for every locally published metric
