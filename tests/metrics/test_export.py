"""`python -m metrics export --derived [--layout fingertips]`: what the pages read, and a Fingertips-layout file the
Fingertips reader loads back with the same values."""

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _export(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "metrics", "export", "--derived", "--db", str(db), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )


@pytest.fixture(scope="module")
def derived_export(built_db) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(_export(built_db).stdout), dtype={"period": str})


def test_derived_export_has_every_level_with_comparisons_trend_goal_and_flags(derived_export, built_db):
    import duckdb

    con = duckdb.connect(str(built_db), read_only=True)
    try:
        n = con.execute("SELECT count(*) FROM indicator_values").fetchall()[0][0]
    finally:
        con.close()
    assert len(derived_export) == n
    assert {"england", "region", "utla", "cdp"} <= set(derived_export["level"])
    assert derived_export["is_aggregate"].any()
    for col in (
        "lower95",
        "upper95",
        "compared_to_england",
        "compared_to_region",
        "recent_trend",
        "compared_to_goal",
        "is_demo",
        "source",
        "value_note",
    ):
        assert col in derived_export
    worcs = derived_export[
        (derived_export.metric_key == "drug_misuse_deaths")
        & (derived_export.area_code == "E10000034")
        & (derived_export.period == "2019 - 21")
        & (derived_export.breakdown == "Total")
    ].iloc[0]
    assert (worcs.value, worcs.lower95, worcs.upper95, worcs["count"]) == (4.8, 3.8, 6.0, 80)
    assert worcs.compared_to_england == "Similar" and not worcs.is_demo
    assert worcs.source.startswith("ONS, Drug misuse deaths by local authority")
    assert not derived_export["source"].dropna().str.contains(r"seed|\.csv|\.txt|\[S\]", regex=True).any()
    # Worcestershire's published 51.70% has no interval: its publisher's verdict, marked as such
    published = derived_export[
        (derived_export.metric_key == "continuity_of_care")
        & (derived_export.area_code == "E10000034")
        & (derived_export.period == "2022/23")
    ].iloc[0]
    assert published.compared_to_england == "Better (as published)" and np.isnan(published.lower95)


def test_export_is_quiet_on_a_closed_pipe(built_db):
    out = subprocess.run(
        f"{sys.executable} -m metrics export --derived --db {built_db} | head -2",
        shell=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0 and len(out.stdout.splitlines()) == 2
    assert out.stderr == ""


def test_fingertips_layout_round_trips_through_the_fingertips_reader(built_db, derived_export, tmp_path):
    from metrics.export import FINGERTIPS_COLUMNS
    from metrics.ingest.pipeline import prepare

    result = _export(built_db, "--layout", "fingertips")
    path = tmp_path / "fingertips_layout.csv"
    path.write_text(result.stdout, encoding="utf-8")
    assert list(pd.read_csv(path, nrows=0).columns) == FINGERTIPS_COLUMNS
    assert "no Fingertips indicator ID" in result.stderr  # the metrics left out are named
    prepared = prepare(path, fmt="fingertips")
    assert prepared.errors.empty, prepared.errors.head().to_string()
    # The only rows the reader skips are the footprints (no Fingertips area type), and it says so.
    skipped = prepared.problems[prepared.problems["column"] == "Area Type"]
    assert len(skipped) == 1 and "Combating Drugs Partnership footprint" in skipped["value"].iloc[0]
    loaded = prepared.rows.astype({"metric_key": str, "area_code": str, "period": str, "breakdown": str})
    expected = derived_export[derived_export["level"] != "cdp"]
    expected = expected[expected["metric_key"].isin(set(loaded["metric_key"]))]
    key = ["metric_key", "area_code", "period", "breakdown"]
    both = expected.merge(loaded, on=key, how="outer", suffixes=("", "_loaded"), indicator=True)
    assert (both["_merge"] == "both").all(), both.loc[both["_merge"] != "both", key].head()
    assert {"drug_misuse_deaths", "continuity_of_care", "unmet_need_ocu"} <= set(loaded["metric_key"])
    assert {"Male", "Female", "Total"} <= set(loaded.loc[loaded.metric_key == "drug_misuse_deaths", "breakdown"])
    for col in ("value", "lower95", "upper95", "lower998", "upper998", "count", "denominator"):
        a = both[col].to_numpy(dtype=float)
        b = both[f"{col}_loaded"].to_numpy(dtype=float)
        assert np.array_equal(np.isnan(a), np.isnan(b)), col
        assert np.allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=1e-12, atol=0), col
    # The comparison with England comes back as the publisher's: a published verdict as it was published
    # ("Better (as published)" is written "Better"), "Not compared" as none.
    words = (
        both["compared_to_england"]
        .str.removesuffix(" (as published)")
        .where(both["compared_to_england"] != "Not compared")
    )
    loaded_words = both["published_comparison"].astype(object).where(both["published_comparison"].notna())
    assert words.fillna("").tolist() == loaded_words.fillna("").tolist()
    worcs = both[
        (both.metric_key == "continuity_of_care") & (both.area_code == "E10000034") & (both.period == "2022/23")
    ]
    assert worcs["published_comparison"].tolist() == ["Better"]
