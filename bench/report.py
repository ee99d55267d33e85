"""Issue 17: one area's board report, Word and PDF (facts, charts, both files), against the time to render its
charts alone (the same figures drawn to PNG by Kaleido in Chromium, a browser started for them as the report
starts one). The charts are most of a report's time; the ratio shows what the rest (reads, what changed, the two
renderers) adds."""

from __future__ import annotations

import time
from pathlib import Path

from bench.results import Result, median
from metrics.areas import default_geography
from metrics.catalogue import default_catalogue
from metrics.report import charts, collect
from metrics.report.build import build_report
from metrics.store import Store

AREA = "E10000034"  # Worcestershire: six headline charts and the spine chart


def measure(db: Path, dataset: str, repeats: int = 1) -> list[Result]:
    cat, geo = default_catalogue(), default_geography()
    reports, charts_alone = [], []
    with Store(db, read_only=True) as store:
        model = collect(store, cat, geo, AREA, "england", since="1")
        build_report(store, cat, geo, AREA, "england", "1", ["docx", "pdf"])  # warm: imports, fonts, browser files
        for _ in range(repeats):  # in turn, so that both see the same machine
            started = time.perf_counter()
            build_report(store, cat, geo, AREA, "england", "1", ["docx", "pdf"])
            reports.append(time.perf_counter() - started)
            started = time.perf_counter()
            charts.draw(model)
            charts_alone.append(time.perf_counter() - started)
    return [
        Result(
            f"board report docx+pdf, one area ({len(model.charts)} charts)",
            median(reports),
            median(charts_alone),
            "s",
            dataset,
            note=f"baseline: drawing the same {len(model.charts)} charts alone (Kaleido + Chromium); "
            f"medians of {repeats}",
        )
    ]
