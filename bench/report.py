"""Issues 17 and 28: one area's board report, Word and PDF, against the time its charts take to draw on their own.

The report (build_report, docx+pdf) reads the figures, works out what changed, draws its charts and writes both
files. The baseline is the charts' own render time: the same figures drawn the best way there is, alone, in one
browser session started for them (charts.draw: Kaleido + Chromium). The issue asks for the report within 1.3 times
that. A second figure times what a user times: `python -m metrics report` writing one PDF in a fresh process
(Python's start and imports included), against the same baseline.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.results import Result, median
from metrics.areas import default_geography
from metrics.catalogue import default_catalogue
from metrics.paths import REPO_ROOT
from metrics.report import charts, collect
from metrics.report.build import build_report
from metrics.store import Store

AREA = "E10000034"  # Worcestershire: its headline trend charts and the spine chart
SINCE = "1"
TARGET_RATIO = 1.3  # issue 28: the report takes at most 1.3 times its charts' own render time


def _command_line_pdf(db: Path, out: Path) -> float:
    args = ["report", "--area", AREA, "--since", SINCE, "--format", "pdf", "--out", str(out), "--db", str(db)]
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "metrics", *args], cwd=REPO_ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"`python -m metrics {' '.join(args)}` failed: {done.stderr.strip()[-2000:]}")
    return time.perf_counter() - started


def measure(db: Path, dataset: str, repeats: int = 1) -> list[Result]:
    cat, geo = default_catalogue(), default_geography()
    reports, charts_alone, command_line = [], [], []
    with Store(db, read_only=True) as store, tempfile.TemporaryDirectory() as tmp:
        model = collect(store, cat, geo, AREA, "england", since=SINCE)
        build_report(store, cat, geo, AREA, "england", SINCE, ["docx", "pdf"])  # warm: imports, fonts, browser files
        for _ in range(repeats):  # in turn, so that all three see the same machine
            started = time.perf_counter()
            build_report(store, cat, geo, AREA, "england", SINCE, ["docx", "pdf"])
            reports.append(time.perf_counter() - started)
            started = time.perf_counter()
            charts.draw(model)
            charts_alone.append(time.perf_counter() - started)
            command_line.append(_command_line_pdf(db, Path(tmp) / "report.pdf"))
    n = len(model.charts)
    baseline = median(charts_alone)
    return [
        Result(
            f"board report docx+pdf, one area ({n} charts)",
            median(reports),
            baseline,
            "s",
            dataset,
            target_ratio=TARGET_RATIO,
            note=f"baseline: the same {n} charts drawn alone in one browser session (Kaleido + Chromium started for "
            f"them); medians of {repeats}, taken in turn",
        ),
        Result(
            f"board report PDF from the command line, one area ({n} charts)",
            median(command_line),
            baseline,
            "s",
            dataset,
            note=f"`python -m metrics report --format pdf` in a fresh process (Python's start and imports included) "
            f"against the same {n} charts drawn alone in process; medians of {repeats}",
        ),
    ]
