"""Build time of the default database, against DuckDB alone loading the same values from a CSV."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import duckdb

from bench.results import Result
from metrics.build import build_database
from metrics.store import Store


def measure(dataset: str = "default") -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        started = time.perf_counter()
        build_database(tmp / "built.duckdb", log=lambda m: None)
        built = time.perf_counter() - started
        with Store(tmp / "built.duckdb", read_only=True) as store:
            store.export_rows().to_csv(tmp / "values.csv", index=False)
        started = time.perf_counter()
        con = duckdb.connect(str(tmp / "raw.duckdb"))
        con.execute(f"CREATE TABLE v AS SELECT * FROM read_csv('{tmp / 'values.csv'}')")
        con.close()
        raw = time.perf_counter() - started
    return [
        Result(
            "build default database (generate, derive, write)",
            built,
            raw,
            "s",
            dataset,
            note="baseline: DuckDB read_csv into a table of the same values",
        )
    ]


def measure_derive(db: Path, dataset: str) -> list[Result]:
    """Issue 3: limits, aggregation, comparisons and trends for every stored value, per 100,000 rows, beside
    pandas merely sorting the same frame by series and period (a floor for any per-series computation)."""
    from metrics.areas import default_geography
    from metrics.catalogue import default_catalogue
    from metrics.derive import derive_frame

    with Store(db, read_only=True) as store:
        keys = store._query("SELECT DISTINCT metric_key FROM observations")["metric_key"].tolist()
        obs = store.observations_for_derive(keys)
    cat, geo = default_catalogue(), default_geography()
    derive_frame(obs.head(1000), cat, geo)  # warm imports
    started = time.perf_counter()
    derive_frame(obs, cat, geo)
    derived = time.perf_counter() - started
    started = time.perf_counter()
    obs.sort_values(["metric_key", "area_code", "breakdown", "period_sortable"])
    sort = time.perf_counter() - started
    per = 100_000 / len(obs)
    return [
        Result(
            f"derive limits, comparisons, trends per 100,000 rows ({len(obs):,} rows)",
            derived * per,
            sort * per,
            "s",
            dataset,
            target_value=1.0,
            note="baseline: pandas sorting the same rows by series and period",
        )
    ]
