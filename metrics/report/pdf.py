"""The report as a PDF: the HTML report laid out by WeasyPrint (text stays text: selectable and searchable).

WeasyPrint needs Pango (Debian's libpango-1.0-0 and libpangoft2-1.0-0, installed by `make report-deps`; Chromium
needs them too). It is given no way to fetch anything: the HTML carries its images as data.
"""

from __future__ import annotations

from metrics.report.model import ReportModel
from metrics.report.web import render_html


class PdfEngineError(RuntimeError):
    pass


def html_to_pdf(html: bytes) -> bytes:
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except OSError as exc:  # Pango missing: WeasyPrint loads it when imported
        raise PdfEngineError(
            f"The PDF engine (WeasyPrint) cannot load Pango: {exc}. Install Debian's "
            "libpango-1.0-0 and libpangoft2-1.0-0 (`make report-deps`)."
        ) from exc
    # Only data: URLs (the embedded charts) may be read; anything else would be a fetch, refused.
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return HTML(string=html.decode("utf-8"), url_fetcher=fetcher).write_pdf()


def render_pdf(model: ReportModel, images: dict[str, bytes]) -> bytes:
    return html_to_pdf(render_html(model, images))
