"""The quarterly board report: a highlight report for one area, generated from the figures the pages show.

Two steps. `model.collect` gathers the facts from the store's public reads (the scorecard's rows, the series,
the revisions and cell histories) and words them in Fingertips' vocabulary; the renderers draw those facts:
`word.render_docx` (Word, python-docx), `web.render_html` (one self-contained HTML file) and `pdf.render_pdf`
(that HTML printed by Chromium). `build.build_report` runs both steps in one browser session
(metrics.chart_images.ChartSession): started while the facts are read, it draws each chart once for every format
and prints the PDF. Nothing here imports Streamlit.
"""

from metrics.report.model import (
    ReportError,
    ReportModel,
    SinceChoice,
    collect,
    default_since,
    parse_since,
)

__all__ = ["ReportError", "ReportModel", "SinceChoice", "collect", "default_since", "parse_since"]
