"""The report as a PDF: the HTML report printed by Chromium, the browser that draws its charts (text stays text:
selectable and searchable; the PDF is tagged, with its headings as the outline).

The HTML carries its images as data and a Content-Security-Policy that lets it fetch nothing, so printing it
reaches no network (metrics.chart_images.ChartSession.print_pdf).
"""

from __future__ import annotations

from collections.abc import Mapping

from metrics.chart_images import ChartSession
from metrics.report.model import ReportModel
from metrics.report.web import render_html


def html_to_pdf(html: bytes, session: ChartSession | None = None) -> bytes:
    """The PDF of the report's HTML, printed in `session`'s browser (the one that drew its charts), else in a
    browser started for it."""
    if session is not None:
        return session.print_pdf(html).result()
    with ChartSession() as own:
        return own.print_pdf(html).result()


def render_pdf(model: ReportModel, images: Mapping[str, bytes], session: ChartSession | None = None) -> bytes:
    return html_to_pdf(render_html(model, images), session)
