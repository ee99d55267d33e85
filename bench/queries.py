"""Every query the pages issue, p50 and p95 over N runs, against the same SQL run directly in DuckDB.

The store's methods are called as the pages call them. A recording subclass captures each method's SQL
and parameters; the baseline runs exactly that SQL on a plain DuckDB cursor with fetchall().
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.results import Result, percentile
from metrics.store import Store


class RecordingStore(Store):
    """A Store that remembers the SQL of its last query."""

    last: tuple[str, list] | None = None

    def _query(self, sql, params=None):
        self.last = (sql, list(params) if params is not None else None)
        return super()._query(sql, params)

    def _scalar(self, sql, params=None):
        self.last = (sql, list(params) if params is not None else None)
        return super()._scalar(sql, params)


def page_queries(store: Store) -> dict[str, callable]:
    """The read queries the pages make, with the arguments a typical view uses."""
    metric = "continuity_of_care"
    latest = store.periods_for_metric(metric).iloc[0]["period"]
    focus = ["E06000060", "E10000025", "E10000034"]
    return {
        "scorecard: latest_for_area": lambda: store.latest_for_area("E06000060"),
        "scorecard: sparklines": lambda: store.sparklines("E06000060"),
        "scorecard: tartan rug latest_for_areas": lambda: store.latest_for_areas(focus),
        "trends: series (area, region, England)": lambda: store.series(metric, ["E06000060", "E12000008", "E92000001"]),
        "trends/compare: periods_for_metric": lambda: store.periods_for_metric(metric),
        "trends: breakdowns_for_metric": lambda: store.breakdowns_for_metric(metric),
        "compare: values_for_period (3 areas)": lambda: store.values_for_period(metric, latest, area_codes=focus),
        "compare: values_for_period (all authorities)": lambda: store.values_for_period(metric, latest, level="utla"),
        "compare: series (3 areas)": lambda: store.series(metric, focus),
        "profile: latest_level_values": lambda: store.latest_level_values("utla"),
        "all pages: demo_share": lambda: store.demo_share(),
        "upload: revisions": lambda: store.revisions(),
    }


def measure(db: Path, dataset: str, runs: int = 50) -> list[Result]:
    results = []
    with RecordingStore(db, read_only=True) as store:
        for name, call in page_queries(store).items():
            call()  # warm: first run plans and loads
            sql, params = store.last
            timings, baseline = [], []
            for _ in range(runs):
                t = time.perf_counter()
                call()
                timings.append((time.perf_counter() - t) * 1000)
                cur = store._con.cursor()
                t = time.perf_counter()
                cur.execute(sql, params).fetchall()
                baseline.append((time.perf_counter() - t) * 1000)
                cur.close()
            for p, label in ((0.5, "p50"), (0.95, "p95")):
                results.append(
                    Result(
                        figure=f"query {label} {name}",
                        value=percentile(timings, p),
                        baseline=percentile(baseline, p),
                        unit="ms",
                        dataset=dataset,
                        target_ratio=2.0 if label == "p95" else None,
                        target_value=50.0 if label == "p95" else None,
                    )
                )
    return results
