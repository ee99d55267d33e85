"""Plotly figures as PNG or SVG images, rendered offline by Kaleido driving Debian's Chromium.

Each image carries what a chart copied out of the dashboard must say about itself, drawn into the picture:
its title, the area, the period, the source and the copyright and licence line. The board report (metrics.report)
and the pages' chart downloads use it.

Nothing is downloaded: Kaleido is given the browser's path (never `kaleido.get_chrome`, which downloads one),
plotly.js from the installed plotly package (Kaleido's default) and no MathJax (Kaleido's default is a CDN).
The browser is $CDOF_CHROMIUM, else $BROWSER_PATH (the variable Kaleido itself reads), else /usr/bin/chromium.
"""

from __future__ import annotations

import asyncio
import io
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import plotly.graph_objects as go

from metrics.paths import REPO_ROOT

DEFAULT_CHROMIUM = "/usr/bin/chromium"
COPYRIGHT = "Contains public sector information licensed under the Open Government Licence v3.0. © Crown copyright."
FORMATS = ("png", "svg")
# A map's base topology is the project's empty one (static/README.md), not plotly.js's default from cdn.plot.ly.
TOPOJSON_URL = (REPO_ROOT / "static").as_uri() + "/"


class ChartImageError(RuntimeError):
    """The image could not be made (no browser, or the browser failed); the message says what to do."""


@dataclass(frozen=True)
class ChartImage:
    """One figure to draw, with the words that go into the picture."""

    figure: go.Figure
    title: str
    area: str
    period: str
    source: str
    width: int = 900
    height: int | None = None  # the chart's height in px (the words are added above and below); else the figure's
    extra: dict = field(default_factory=dict, compare=False)  # layout changes to apply before drawing


def chromium_path() -> str:
    path = os.environ.get("CDOF_CHROMIUM") or os.environ.get("BROWSER_PATH") or DEFAULT_CHROMIUM
    if not Path(path).is_file() or not os.access(path, os.X_OK):
        raise ChartImageError(
            f"Charts are drawn by Chromium, which was not found at {path}. Install Debian's chromium "
            "(`make report-deps`, or apt-get install chromium) or set CDOF_CHROMIUM to the browser's path."
        )
    return path


_FONT_FILES = {
    False: [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    ],
    True: [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ],
}
_TEXT = "#1F2328"
_MUTED = "#444444"
_PAD = 10  # px around the text, at scale 1
_LINE = 1.45  # line height as a multiple of the font size


def _font(size: int, bold: bool = False):
    from PIL import ImageFont

    for path in _FONT_FILES[bold]:
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)  # Pillow's own scalable font (no bold) where Debian's fonts are absent


def _wrap(text: str, font, width: float) -> list[str]:
    """Break text at spaces into lines no wider than `width` pixels in `font`."""
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if line and font.getlength(trial) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    if line:
        lines.append(line)
    return lines


def _text_blocks(spec: ChartImage, scale: float) -> tuple[list, list]:
    """(header lines, footer lines) as (text, font, size, colour) to draw above and below the chart."""
    width = spec.width * scale - 2 * _PAD * scale
    title_f, sub_f, foot_f = (_font(round(16 * scale), True), _font(round(13 * scale)), _font(round(11 * scale)))
    header = [(t, title_f, 16, _TEXT) for t in _wrap(spec.title, title_f, width)]
    header += [(t, sub_f, 13, _TEXT) for t in _wrap(f"{spec.area} · {spec.period}", sub_f, width)]
    footer = [(t, foot_f, 11, _MUTED) for t in _wrap(f"Source: {spec.source}", foot_f, width)]
    footer += [(t, foot_f, 11, _MUTED) for t in _wrap(COPYRIGHT, foot_f, width)]
    return header, footer


def _block_height(lines) -> float:
    return sum(size * _LINE for _, _, size, _ in lines)


def plain_figure(spec: ChartImage) -> go.Figure:
    """The figure as drawn inside the image: its own title is left out (the image's header says it), the size is
    the image's, the axes make room for their labels."""
    fig = go.Figure(spec.figure)
    height = spec.height or fig.layout.height or 450
    fig.update_layout(title=dict(text=""), width=spec.width, height=height, paper_bgcolor="#FFFFFF", **spec.extra)
    # The figures' small margins rely on the axes growing them to fit their labels, as Streamlit's theme makes them.
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


def _compose_png(chart: bytes, spec: ChartImage, scale: float) -> bytes:
    from PIL import Image, ImageDraw

    header, footer = _text_blocks(spec, scale)
    img = Image.open(io.BytesIO(chart)).convert("RGB")
    pad = _PAD * scale
    top = round(pad + _block_height(header) * scale + pad / 2)
    bottom = round(pad / 2 + _block_height(footer) * scale + pad)
    canvas = Image.new("RGB", (img.width, img.height + top + bottom), "#FFFFFF")
    canvas.paste(img, (0, top))
    draw = ImageDraw.Draw(canvas)
    y = pad
    for text, font, size, colour in header:
        draw.text((pad, y), text, font=font, fill=colour)
        y += size * _LINE * scale
    y = top + img.height + pad / 2
    for text, font, size, colour in footer:
        draw.text((pad, y), text, font=font, fill=colour)
        y += size * _LINE * scale
    out = io.BytesIO()
    canvas.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _compose_svg(chart: bytes, spec: ChartImage) -> bytes:
    header, footer = _text_blocks(spec, 1.0)
    inner = chart.decode("utf-8")
    if inner.startswith("<?xml"):
        inner = inner.split("?>", 1)[1]
    chart_h = spec.height or spec.figure.layout.height or 450
    top = _PAD + _block_height(header) + _PAD / 2
    total = top + chart_h + _PAD / 2 + _block_height(footer) + _PAD
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'width="{spec.width}" height="{total:.0f}" viewBox="0 0 {spec.width} {total:.0f}">'
        ),
        f"<title>{xml_escape(spec.title)}</title>",
        '<rect width="100%" height="100%" fill="#FFFFFF"/>',
    ]

    def lines(block, y):
        for text, _, size, colour in block:
            weight = ' font-weight="bold"' if size == 16 else ""
            parts.append(
                f'<text x="{_PAD}" y="{y + size:.1f}" font-family="DejaVu Sans, Arial, sans-serif" '
                f'font-size="{size}" fill="{colour}"{weight}>{xml_escape(text)}</text>'
            )
            y += size * _LINE
        return y

    lines(header, _PAD)
    parts.append(f'<g transform="translate(0,{top:.1f})">{inner}</g>')
    lines(footer, top + chart_h + _PAD / 2)
    parts.append("</svg>")
    return "".join(parts).encode("utf-8")


async def _render(specs: Sequence[ChartImage], fmt: str, scale: float, progress) -> list[bytes]:
    import kaleido  # imported here: importing it starts nothing, but pages that never draw need not pay for it

    out = []
    try:
        async with kaleido.Kaleido(n=1, path=chromium_path(), mathjax=False, timeout=120) as k:
            for n, spec in enumerate(specs):
                fig = plain_figure(spec)
                opts = dict(format=fmt, width=spec.width, height=int(fig.layout.height), scale=scale)
                chart = await k.calc_fig(fig, opts=opts, topojson=TOPOJSON_URL)
                out.append(_compose_png(chart, spec, scale) if fmt == "png" else _compose_svg(chart, spec))
                if progress is not None:
                    progress(n + 1, len(specs))
    except ChartImageError:
        raise
    except Exception as exc:  # the browser would not start or a figure failed: say which
        raise ChartImageError(
            f"Chromium could not draw the charts ({type(exc).__name__}: {exc}). Browser: {chromium_path()}."
        ) from exc
    return out


def _run(coroutine):
    """Run a coroutine to completion whether or not this thread already runs an event loop (Streamlit may)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    result: dict = {}

    def target():
        try:
            result["value"] = asyncio.run(coroutine)
        except BaseException as exc:
            result["error"] = exc

    thread = threading.Thread(target=target, name="chart-images")
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


def figure_images(
    specs: Sequence[ChartImage],
    fmt: str = "png",
    scale: float = 2.0,
    progress: Callable[[int, int], None] | None = None,
) -> list[bytes]:
    """The images of several figures, drawn in one browser session (starting Chromium costs more than a
    chart). `progress(done, total)` is called after each."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: expected one of {FORMATS}")
    if not specs:
        return []
    return _run(_render(list(specs), fmt, 1.0 if fmt == "svg" else scale, progress))


def figure_image(
    figure: go.Figure,
    title: str,
    area: str,
    period: str,
    source: str,
    fmt: str = "png",
    width: int = 900,
    height: int | None = None,
    scale: float = 2.0,
) -> bytes:
    """One figure as PNG or SVG bytes with its title, area, period, source and copyright drawn in."""
    return figure_images([ChartImage(figure, title, area, period, source, width, height)], fmt, scale)[0]
