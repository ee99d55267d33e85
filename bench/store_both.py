"""The page queries on both stores (issue 32), each as a ratio to the same SQL run raw in the same run: the DuckDB
file's against a plain DuckDB cursor's fetchall(), PostgreSQL's against a plain psycopg connection's fetchall()
(the store adds its pool, the frame built through Arrow and DuckDB's conversion). Also PostgreSQL's p95 against
the file's, for the same query."""

from __future__ import annotations

import time
from pathlib import Path

from bench.queries import page_queries
from bench.results import Result, percentile
from metrics.store import Store
from metrics.store.postgres.connection import to_pg
from metrics.store.postgres.database import PgStore


class _RecordingFile(Store):
    last: tuple[str, list | None] | None = None

    def _query(self, sql, params=None):
        self.last = (sql, list(params) if params is not None else None)
        return super()._query(sql, params)

    def _scalar(self, sql, params=None):
        self.last = (sql, list(params) if params is not None else None)
        return super()._scalar(sql, params)


class _RecordingPg(PgStore):
    last: tuple[str, list | None] | None = None

    def _query(self, sql, params=None):
        self.last = (sql, list(params) if params is not None else None)
        return super()._query(sql, params)

    def _scalar(self, sql, params=None):
        self.last = (sql, list(params) if params is not None else None)
        return super()._scalar(sql, params)


def _timings(store, raw, runs: int) -> dict[str, tuple[list[float], list[float]]]:
    out = {}
    for name, call in page_queries(store).items():
        call()
        sql, params = store.last
        timings, baseline = [], []
        for _ in range(runs):
            t = time.perf_counter()
            call()
            timings.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            raw(sql, params)
            baseline.append((time.perf_counter() - t) * 1000)
        out[name] = (timings, baseline)
    return out


def measure(db: Path, pg_url: str, dataset: str, runs: int = 50) -> list[Result]:
    import psycopg

    with _RecordingFile(db, read_only=True) as file_store:

        def raw_file(sql, params):
            cur = file_store._con.cursor()
            try:
                cur.execute(sql, params).fetchall()
            finally:
                cur.close()

        on_file = _timings(file_store, raw_file, runs)
    with _RecordingPg(pg_url, read_only=True) as pg_store, psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("SET search_path = cdof")

        def raw_pg(sql, params):
            con.execute(to_pg(sql), params).fetchall()

        on_pg = _timings(pg_store, raw_pg, runs)
    results = []
    for name in on_file:
        for label, timings in (("file", on_file[name]), ("PostgreSQL", on_pg[name])):
            results.append(
                Result(
                    f"store p95 on {label}: {name}",
                    percentile(timings[0], 0.95),
                    percentile(timings[1], 0.95),
                    "ms",
                    dataset,
                    target_ratio=2.0,
                    note=f"baseline: the same SQL raw on {label}; p50 {percentile(timings[0], 0.5):.1f} ms",
                )
            )
        results.append(
            Result(
                f"store p95 PostgreSQL against file: {name}",
                percentile(on_pg[name][0], 0.95),
                percentile(on_file[name][0], 0.95),
                "ms",
                dataset,
            )
        )
    return results
