"""The report as one self-contained HTML file (charts embedded as PNG data, CSS inline, a Content-Security-Policy
that lets it fetch nothing): opened in a browser, attached to an e-mail, or printed to PDF by Chromium
(metrics.report.pdf)."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from html import escape

from metrics.report.layout import Bullets, Heading, Image, Para, Table, blocks
from metrics.report.model import ReportModel

# Each printed page's foot: the report's title (a CSS string: Chromium has no string-set) and its page number.
PAGE_CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm;
        @bottom-left { content: "%(title)s"; font-size: 8pt; color: #555; }
        @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; color: #555; } }
"""
# Everything the report shows is in the file: it may fetch nothing, so printing or opening it reaches no network.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
CSS = """
html { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; font-size: 10pt; color: #1F2328; }
body { max-width: 1100px; margin: 0 auto; padding: 0 12px; line-height: 1.4; }
h1.title { font-size: 20pt; margin: 0 0 8px; }
h1 { font-size: 15pt; color: #0B3D66; border-bottom: 2px solid #0B3D66; padding-bottom: 2px; margin-top: 22px;
     break-after: avoid; }
h2 { font-size: 12pt; color: #0B3D66; margin: 14px 0 4px; break-after: avoid; }
h3 { font-size: 10.5pt; margin: 12px 0 4px; break-after: avoid; }
p { margin: 4px 0; }
p.note { font-style: italic; color: #444; }
p.warning { border: 2px solid #9A3400; background: #FFF4CE; color: #6B2400; font-weight: bold; padding: 8px 10px;
            margin: 10px 0; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 2px; font-size: 8pt; }
thead { display: table-header-group; }
th { background: #DCE6F0; text-align: left; }
th, td { border: 1px solid #8C8C8C; padding: 2px 4px; vertical-align: top; overflow-wrap: break-word; }
tr { break-inside: avoid; }
tr.demo td { background: #FFF4CE; }
caption { caption-side: bottom; text-align: left; font-size: 8pt; color: #444; padding-top: 2px; }
figure { margin: 6px 0 14px; break-inside: avoid; }
figure img { width: 100%; height: auto; }
@media print { figure img { width: auto; max-width: 100%; max-height: 235mm; } }
figcaption { font-size: 8pt; color: #444; }
ul { margin: 2px 0 6px 18px; padding: 0; }
"""


def _css_string(text: str) -> str:
    """Text inside a CSS string: every character but letters, digits and spaces escaped as its code point."""
    return "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in text)


def _table(block: Table) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in block.header)
    body = []
    for n, row in enumerate(block.rows):
        demo = n < len(block.demo_rows) and block.demo_rows[n]
        # A file name in a cell may break after its underscores, so one long name cannot push columns off the page.
        cells = "".join(f"<td>{escape(v).replace('_', '_<wbr>')}</td>" for v in row)
        body.append(f'<tr class="demo">{cells}</tr>' if demo else f"<tr>{cells}</tr>")
    return (
        f"<table><caption>{escape(block.caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def render_html(model: ReportModel, images: Mapping[str, bytes]) -> bytes:
    """The HTML file's bytes (UTF-8). `images`: PNG bytes per chart key."""
    parts = []
    for block in blocks(model):
        if isinstance(block, Heading):
            if block.level == 0:
                parts.append(f'<h1 class="title">{escape(block.text)}</h1>')
            else:
                parts.append(f"<h{block.level}>{escape(block.text)}</h{block.level}>")
        elif isinstance(block, Para):
            lead = f"<strong>{escape(block.lead)}</strong>" if block.lead else ""
            if block.kind == "warning":
                parts.append(f'<p class="warning" role="alert">Warning: {escape(block.text)}</p>')
            else:
                parts.append(f'<p class="{block.kind}">{lead}{escape(block.text)}</p>')
        elif isinstance(block, Bullets):
            parts.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in block.items) + "</ul>")
        elif isinstance(block, Table):
            parts.append(_table(block))
        elif isinstance(block, Image):
            png = images.get(block.key)
            if png is None:
                parts.append(f"<p>(Chart not drawn.) {escape(block.alt)}</p>")
                continue
            data = base64.b64encode(png).decode("ascii")
            parts.append(
                f'<figure><img src="data:image/png;base64,{data}" alt="{escape(block.alt)}">'
                f"<figcaption>{escape(block.caption)}</figcaption></figure>"
            )
    page_css = PAGE_CSS % {"title": _css_string(model.document_title)}
    html = (
        f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{escape(model.document_title)}</title>'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{page_css}{CSS}</style></head>"
        f"<body>{''.join(parts)}</body></html>"
    )
    return html.encode("utf-8")
