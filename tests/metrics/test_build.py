"""The default database: every metric at its publishing geography, published figures with their sources."""

import io
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from metrics.areas import ENGLAND_CODE, load_geography
from metrics.catalogue import load_catalogue
from metrics.stats import recent_trend

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
    out = subprocess.run(
        [sys.executable, "-m", "metrics", "export", "--db", str(built_db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return pd.read_csv(io.StringIO(out.stdout), dtype={"period": str, "value_note": str})


def test_every_national_metric_has_england_rows(export):
    cat = load_catalogue()
    national = {i.key for i in cat.indicators if i.tier != "local"}
    england = set(export.loc[export.area_code == ENGLAND_CODE, "metric_key"])
    assert national <= england


def test_locally_published_metrics_cover_all_153_authorities(export):
    cat = load_catalogue()
    utlas = {a.code for a in load_geography().utlas()}
    # Real published series cover the authorities their publisher covers (ONS has no like-for-like figure for
    # Cumberland or Westmorland and Furness): no demonstration value fills the gap.
    real_only = {"drug_misuse_deaths": utlas - {"E06000063", "E06000064"}}
    for ind in cat.indicators:
        if ind.tier == "local" or not ind.published_locally:
            continue
        areas = set(export.loc[export.metric_key == ind.key, "area_code"])
        assert real_only.get(ind.key, utlas) <= areas, ind.key


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
    assert coc.loc["2022/23", "source"].startswith(
        "Worcestershire Health and Wellbeing Board, Drugs and Alcohol Highlight Report, 20 February 2024"
    )
    assert not coc.loc["2022/23", "is_demo"]
    deaths = export[(export.metric_key == "drug_misuse_deaths") & (export.period == "2022 - 24")].set_index("area_code")
    assert deaths.loc["E06000060", "value"] == pytest.approx(3.63)
    assert deaths.loc[ENGLAND_CODE, "value"] == pytest.approx(5.8)


def test_demo_values_are_marked_and_consistent(export):
    demo = export[export.is_demo]
    assert len(demo) > 25000
    assert demo.source.str.startswith("DEMONSTRATION DATA").all()
    props = demo[demo.metric_key == "treatment_progress"].dropna(subset=["count"])
    assert ((props["count"] / props["denominator"] * 100 - props["value"]).abs() < 1e-9).all()
    assert ((props.lower95 <= props.value) & (props.value <= props.upper95)).all()
    # suppressed values stay missing with their note, never 0
    suppressed = export[export.value_note.fillna("").str.startswith("Value suppressed")]
    assert len(suppressed) > 0 and suppressed.value.isna().all()


def test_export_is_stable(built_db):
    a = subprocess.run(
        [sys.executable, "-m", "metrics", "export", "--db", str(built_db)], cwd=ROOT, capture_output=True, check=True
    ).stdout
    b = subprocess.run(
        [sys.executable, "-m", "metrics", "export", "--db", str(built_db)], cwd=ROOT, capture_output=True, check=True
    ).stdout
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


# ---------------------------------------------------------------------------------------------- real data
ONS_FILE = ROOT / "data" / "real" / "ons_drug_misuse_deaths_utla_2001-03_to_2019-21_fingertips_layout.csv"
CSEW_FILE = ROOT / "data" / "real" / "csew_drug_use_last_year_england_wales_1995_to_ye_jun2022_template.csv"
# ONS published Barnsley and Sheffield under their codes before 2014's recoding; the store holds today's.
ONS_OLD_CODES = {"E08000016": "E08000038", "E08000019": "E08000039"}


@pytest.fixture(scope="module")
def derived(built_db) -> pd.DataFrame:
    """indicator_values, what every page reads."""
    import duckdb

    con = duckdb.connect(str(built_db), read_only=True)
    try:
        return con.execute(
            "SELECT *, compared_to_england::VARCHAR AS vs_england, recent_trend::VARCHAR AS trend FROM indicator_values"
        ).df()
    finally:
        con.close()


def test_every_ons_drug_misuse_death_rate_is_stored_to_the_published_decimal(derived):
    ons = pd.read_csv(ONS_FILE, dtype=str, keep_default_na=False)
    ons["area_code"] = ons["Area Code"].replace(ONS_OLD_CODES)
    ons["breakdown"] = ons["Sex"].replace({"Persons": "Total"})
    stored = derived[derived.metric_key == "drug_misuse_deaths"].set_index(["area_code", "period", "breakdown"])
    assert len(ons) == 9177
    for r in ons.itertuples():
        row = stored.loc[(r.area_code, r._12, r.breakdown)]
        for published, column in [(r.Value, "value"), (r._14, "lower95"), (r._15, "upper95"), (r.Count, "count")]:
            if published == "":
                assert pd.isna(row[column]), (r.area_code, r._12, r.breakdown, column)
            else:
                assert row[column] == pytest.approx(float(published), abs=1e-9), (r.area_code, r._12, column)
        assert not row["is_demo"]


def test_worcestershire_drug_misuse_deaths_are_the_ons_figures_with_their_citation(derived):
    w = derived[(derived.metric_key == "drug_misuse_deaths") & (derived.area_code == "E10000034")]
    persons = w[w.breakdown == "Total"].set_index("period")
    latest_ons = persons.loc["2019 - 21"]
    assert (latest_ons.value, latest_ons.lower95, latest_ons.upper95, latest_ons["count"]) == (4.8, 3.8, 6.0, 80)
    assert latest_ons.source.startswith(
        "ONS, Drug misuse deaths by local authority, in Deaths related to drug "
        "poisoning in England and Wales: 2021 registrations (3 August 2022), "
        "Table 6 (persons)"
    )
    ons_periods = [f"{y} - {(y + 2) % 100:02d}" for y in range(2001, 2020)]
    assert set(ons_periods) <= set(persons.index)
    assert not w.is_demo.any()
    # England's figure is ONS's too, so the comparison is computed from real figures only.
    assert latest_ons.england_value == 5.1 and latest_ons.vs_england == "Similar"
    # Overlapping three-year periods are trended over the five most recent that share no year (2007-09, 2010-12,
    # 2013-15, 2016-18, 2019-21): 2.9, 2.7, 3.7, 4.3, 4.8 per 100,000, a significant rise.
    assert persons.loc["2019 - 21", "trend"] == "Increasing and getting worse"
    points = [
        dict(value=r.value, lower=r.lower95, upper=r.upper95, count=None, denominator=None)
        | dict(start_year=int(p[:4]), period_kind="three_year_pooled")
        for p, r in persons.loc[ons_periods].iterrows()
    ]
    assert recent_trend(points, "dsr", "lower_is_better") == "Increasing and getting worse"
    assert recent_trend(points[:-1], "dsr", "lower_is_better") == persons.loc["2018 - 20", "trend"]
    # Before 2013-15 there are fewer than five periods that do not overlap.
    assert set(persons.loc[ons_periods[:12], "trend"]) == {"Cannot be calculated"}
    for sex, table in [("Male", "Table 7 (males)"), ("Female", "Table 8 (females)")]:
        series = w[w.breakdown == sex]
        assert set(ons_periods) == set(series.period), sex
        assert series.source.str.contains(table, regex=False).all()


def test_csew_drug_use_is_loaded_and_says_it_is_england_and_wales(derived):
    use = derived[derived.metric_key == "drug_use_last_year"]
    england = use[use.area_code == ENGLAND_CODE]
    assert len(england) == 230 and not england.is_demo.any()
    assert england.value_note.str.contains("England and Wales (K04000001)", regex=False).all()
    latest = england[(england.breakdown == "Total") & (england.period == "Jul 2021 - Jun 2022")]
    assert len(latest) == 1
    assert latest.source.iloc[0].startswith("ONS Drug misuse in England and Wales: year ending June 2022")


def test_no_series_mixes_real_and_demonstration_values(built_db, derived):
    import duckdb

    for keys in (["metric_key", "area_code", "breakdown"], ["metric_key", "area_code"]):
        mixed = derived.groupby(keys)["is_demo"].nunique()
        assert (mixed == 1).all(), mixed[mixed > 1].head()
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        stored_mixed = con.execute("""SELECT count(*) FROM (SELECT metric_key, area_code FROM observations
                                      GROUP BY ALL HAVING count(DISTINCT is_demo) > 1)""").fetchall()[0][0]
    finally:
        con.close()
    assert stored_mixed == 0
    # the real series of the metrics with published figures are there, and their demonstration values are not
    real = derived[~derived.is_demo]
    assert {
        "drug_misuse_deaths",
        "drug_use_last_year",
        "continuity_of_care",
        "numbers_in_treatment",
        "alcohol_specific_admissions",
        "unmet_need_ocu",
        "successful_completion_drugs",
    } <= set(real.metric_key)


def test_a_real_figure_is_never_compared_with_a_demonstration_benchmark(derived):
    real = derived[~derived.is_demo & ~derived.is_aggregate & (derived.level == "utla")]
    benchmark = derived.set_index(["metric_key", "area_code", "period", "breakdown"])["is_demo"]
    with_england = real.dropna(subset=["england_value"])
    england_demo = benchmark.reindex(
        pd.MultiIndex.from_arrays(
            [with_england.metric_key, [ENGLAND_CODE] * len(with_england), with_england.period, with_england.breakdown]
        )
    ).to_numpy()
    assert not england_demo.astype(bool).any()
    # Worcestershire's real continuity of care is not compared with the demonstration West Midlands figure
    coc = real[(real.metric_key == "continuity_of_care") & (real.area_code == "E10000034")]
    assert len(coc) == 2 and coc.region_value.isna().all()


def test_sources_are_citations_not_file_names_or_markers(export):
    sources = export.loc[~export.is_demo, "source"].dropna().unique()
    assert len(sources) >= 5
    for source in sources:
        assert "seed" not in source.lower() and "[S]" not in source and "[V]" not in source, source
        assert not re.search(r"\.(csv|txt|xlsx?|ya?ml|md)\b", source), source


def test_a_bundled_file_with_an_error_stops_the_build(tmp_path, monkeypatch):
    from metrics import build

    broken = tmp_path / "deaths.csv"
    text = ONS_FILE.read_text(encoding="utf-8").splitlines()
    broken.write_text("\n".join(text[:3] + [text[3].replace(",E92000001,", ",E99999999,")]) + "\n", encoding="utf-8")
    monkeypatch.setattr(
        build, "real_files", lambda: [build.RealFile(broken, "fingertips", "broken copy", build.ONS_DEATHS_CITATIONS)]
    )
    target = tmp_path / "never.duckdb"
    with pytest.raises(build.BuildFailed, match="E99999999"):
        build.build_database(target, log=lambda m: None)
    assert not target.exists()


def test_the_default_build_takes_well_under_a_minute(tmp_path):
    from metrics.build import build_database

    facts = build_database(tmp_path / "timed.duckdb", log=lambda m: None)
    assert facts["seconds"] < 45, facts


def test_dfe_children_in_need_shares_are_dfe_counts_over_episodes_with_a_factor(derived):
    """csc_assessments_drugs from DfE table C3 (data/real/): the share is the published count over the published
    episodes with at least one factor, with both kept; suppressed cells stay missing; no population is assumed."""
    from metrics.build import DFE_CIN

    raw = pd.read_csv(DFE_CIN, dtype=str, keep_default_na=False)
    cin = derived[(derived.metric_key == "csc_assessments_drugs") & ~derived.is_aggregate]
    assert not cin.is_demo.any()
    w = cin[(cin.area_code == "E10000034") & (cin.period == "2024/25")].set_index("breakdown")
    worcs = raw[(raw["Area Code"] == "E10000034") & (raw["Time period"] == "2024/25")]
    count = {
        n.split("drug misuse ")[-1].split(" identified")[0]: float(c)
        for n, c in worcs[["Indicator Name", "Count"]].values
        if "drug misuse" in n
    }
    episodes = float(worcs.loc[worcs["Indicator Name"].str.contains("at least one factor"), "Count"].iloc[0])
    assert w.loc["Total", "count"] == count["by a parent"] and w.loc["Total", "denominator"] == episodes
    assert w.loc["Total", "value"] == pytest.approx(count["by a parent"] / episodes * 100, abs=1e-6)
    # the child's and another person's drug misuse are other factors, not parts of the parental share
    assert list(w.index) == ["Total"]
    assert w.loc["Total", "source"].startswith(
        "DfE, Children in need statistics, reporting year 2025 release, table C3"
    )
    assert "Open Government Licence v3.0" in w.loc["Total", "source"]
    england = cin[(cin.area_code == "E92000001") & (cin.period == "2024/25") & (cin.breakdown == "Total")].iloc[0]
    assert (england["count"], england["denominator"]) == (72620, 513250)
    suppressed = raw[(raw["Count"] == "") & ~raw["Area Code"].str.startswith("E13")]
    assert len(suppressed) > 0
    assert set(cin.period) == {f"{y}/{(y + 1) % 100:02d}" for y in range(2017, 2025)}


def test_a_newcomers_first_build_prints_no_skipped_figure(tmp_path):
    """Every row of the bundled published_values.csv maps to a catalogue metric and has a period, so the first
    command a newcomer runs prints only what it wrote (issue 27, item 15)."""
    from metrics.build import PUBLISHED_VALUES, published_template

    catalogue = load_catalogue()
    rows, skipped = published_template(PUBLISHED_VALUES, catalogue)
    assert skipped == []
    assert len(rows) == len(pd.read_csv(PUBLISHED_VALUES, dtype=str))
    out = subprocess.run(
        [sys.executable, "-m", "metrics", "build-default", "--db", str(tmp_path / "first.duckdb")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    printed = (out.stdout + out.stderr).lower()
    assert "built " in printed
    assert "skipped" not in printed and "warning" not in printed and "left out" not in printed, printed
