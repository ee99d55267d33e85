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
    return [Result("build default database (generate, derive, write)", built, raw, "s", dataset,
                   note="baseline: DuckDB read_csv into a table of the same values")]
