"""Build a report end to end: collect the facts, draw the charts once, render the formats asked for."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from metrics.access import Scope
from metrics.areas import Geography
from metrics.catalogue import Catalogue
from metrics.report import charts
from metrics.report.model import Progress, ReportModel, collect

FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "html": "text/html",
}


def render(model: ReportModel, images: dict[str, bytes], fmt: str) -> bytes:
    if fmt == "docx":
        from metrics.report.word import render_docx

        return render_docx(model, images)
    if fmt == "html":
        from metrics.report.web import render_html

        return render_html(model, images)
    if fmt == "pdf":
        from metrics.report.pdf import render_pdf

        return render_pdf(model, images)
    raise ValueError(f"format {fmt!r}: expected one of {sorted(FORMATS)}")


def build_report(
    store,
    catalogue: Catalogue,
    geography: Geography,
    area_code: str,
    benchmark: str = "england",
    since: str | int | date | None = None,
    formats: Iterable[str] = ("docx",),
    progress: Progress | None = None,
    scope: Scope | None = None,
    with_demonstration: bool = False,
) -> tuple[ReportModel, dict[str, bytes], dict[str, bytes]]:
    """(model, chart images, {format: file bytes}). `progress(fraction, words)` reports each step. `scope`: whose
    report it is (restricted metrics it may not see are left out, with a note); None: the operator's, everything.
    Real figures only unless `with_demonstration`."""
    progress = progress or (lambda f, t: None)
    model = collect(
        store,
        catalogue,
        geography,
        area_code,
        benchmark,
        since,
        progress,
        scope=scope,
        with_demonstration=with_demonstration,
    )
    total = len(model.charts)
    progress(0.3, f"Drawing {total} charts")
    images = charts.draw(
        model, lambda done, n: progress(0.3 + 0.5 * done / max(n, 1), f"Drawing charts ({done} of {n})")
    )
    files = {}
    formats = list(formats)
    for n, fmt in enumerate(formats):
        progress(0.8 + 0.2 * n / len(formats), f"Writing the {fmt.upper()} file")
        files[fmt] = render(model, images, fmt)
    progress(1.0, "Done")
    return model, images, files
