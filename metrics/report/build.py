"""Build a report end to end: collect the facts, draw the charts once, render the formats asked for.

One browser (metrics.chart_images.ChartSession) serves the whole report: it starts as soon as the request is
found good, so Chromium comes up while the figures are read; it draws every chart once, for every format, each as
soon as it is described (while what changed is still being worked out), and prints the PDF while Word is written.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
from collections.abc import Callable, Iterable, Mapping
from datetime import date

from metrics.access import Scope
from metrics.areas import Geography
from metrics.catalogue import Catalogue
from metrics.chart_images import ChartSession
from metrics.report import charts
from metrics.report.model import ChartFacts, Progress, ReportModel, collect

FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "html": "text/html",
}


def render_files(
    model: ReportModel,
    images: Mapping[str, bytes],
    formats: list[str],
    session: ChartSession | None = None,
    writing: Callable[[str], None] | None = None,
) -> dict[str, bytes]:
    """{format: file bytes}. The HTML is written once, for both the HTML file and the PDF printed from it (in
    `session`'s browser when given). A PDF printed in `session` is begun first and Word written while it prints;
    otherwise Word comes first, so that given charts.Drawings it is written while the charts are still drawn.
    `writing(format)` is called as each file is begun."""
    from metrics.report.pdf import html_to_pdf
    from metrics.report.web import render_html
    from metrics.report.word import render_docx

    files: dict[str, bytes] = {}
    html = None
    printing: concurrent.futures.Future[bytes] | None = None
    print_first = "pdf" in formats and session is not None
    for fmt in sorted(formats, key=lambda f: (f == "docx") == print_first):
        if writing is not None:
            writing(fmt)
        if fmt == "docx":
            files[fmt] = render_docx(model, images)
            continue
        html = html if html is not None else render_html(model, images)
        if fmt == "html":
            files[fmt] = html
        elif session is not None:
            printing = session.print_pdf(html)
        else:
            files[fmt] = html_to_pdf(html)
    if printing is not None:
        files["pdf"] = printing.result()
    return {fmt: files[fmt] for fmt in formats}


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
    formats = list(formats)
    if unknown := [f for f in formats if f not in FORMATS]:
        raise ValueError(f"format {unknown[0]!r}: expected one of {sorted(FORMATS)}")
    with contextlib.ExitStack() as stack:
        sessions: list[ChartSession] = []
        drawings: dict[str, concurrent.futures.Future[bytes]] = {}

        def checked() -> None:
            session = stack.enter_context(ChartSession("png", charts.SCALE))
            if "pdf" in formats:
                session.open_printer()  # (its tab opens while the figures are read)
            sessions.append(session)

        def described(chart: ChartFacts) -> None:
            drawings[chart.key] = charts.submit(chart, sessions[0])

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
            checked=checked,
            described=described,
        )
        session = sessions[0]
        total = len(model.charts)
        progress(0.3, f"Drawing {total} charts")
        images = charts.Drawings(
            drawings,
            lambda done, n: progress(0.3 + 0.5 * done / max(n, 1), f"Drawing charts ({done} of {n})"),
        )

        def writing(fmt: str) -> None:
            if fmt == "docx" and "pdf" in formats:
                progress(0.85, "Writing the DOCX file while the PDF is printed")
            elif fmt == "docx":
                progress(0.3, f"Writing the DOCX file while the {total} charts are drawn")
            else:
                images.all()  # (the HTML embeds every chart: each is reported drawn before it is begun)
                progress(0.8, f"Writing the {fmt.upper()} file")

        files = render_files(model, images, formats, session, writing)
        images_drawn = images.all()
    progress(1.0, "Done")
    return model, images_drawn, files
