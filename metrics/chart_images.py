"""Plotly figures as PNG or SVG images, rendered offline by Kaleido driving Debian's Chromium; and an HTML
document printed to PDF by the same browser (the board report's PDF, metrics.report.pdf).

Each image carries what a chart copied out of the dashboard must say about itself, drawn into the picture:
its title, the area, the period, the source and the copyright and licence line. The board report (metrics.report)
and the pages' chart downloads use it.

Nothing is downloaded: Kaleido is given the browser's path (never `kaleido.get_chrome`, which downloads one),
plotly.js from the installed plotly package (Kaleido's default) and no MathJax (Kaleido's default is a CDN).
The browser is $CDOF_CHROMIUM, else $BROWSER_PATH (the variable Kaleido itself reads), else /usr/bin/chromium.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import io
import os
import tempfile
import threading
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import plotly.graph_objects as go

from metrics import geo
from metrics.paths import REPO_ROOT

DEFAULT_CHROMIUM = "/usr/bin/chromium"
COPYRIGHT = "Contains public sector information licensed under the Open Government Licence v3.0. © Crown copyright."
FORMATS = ("png", "svg")
# A map's base topology is the project's empty one (static/README.md), not plotly.js's default from cdn.plot.ly.
TOPOJSON_URL = (REPO_ROOT / "static").as_uri() + "/"


# What Kaleido's tab answers when a figure reaches its page before the page's script is there to draw it (seen
# now and then on a busy machine).
PAGE_NOT_READY = "kaleido_scopes is not defined"
# Page.printToPDF's options: the page's size and margins are its CSS @page's; backgrounds (shaded rows, the
# warning's box) print; the PDF is tagged (structure for screen readers) with an outline from the headings.
PDF_PRINT = {
    "printBackground": True,
    "preferCSSPageSize": True,
    "generateTaggedPDF": True,
    "generateDocumentOutline": True,
}


def _check(response: dict) -> dict:
    """A DevTools answer, or the error it carries raised."""
    if "error" in response:
        raise RuntimeError(f"DevTools: {response['error']}")
    return response


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
    the image's, the axes make room for their labels, and boundaries the app serves by URL are inline (no app
    serves them to the drawing)."""
    fig = go.Figure(spec.figure)
    for trace in fig.data:
        if trace.type == "choropleth" and isinstance(trace.geojson, str):
            trace.geojson = geo.inline(trace.geojson, trace.locations or ())
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


class ChartSession:
    """One Chromium for many figures and documents: it starts in the background as the session is made, so that
    its caller can read and describe its figures meanwhile, draws every figure `submit`ted to it in turn and prints
    documents to PDF (`print_pdf`); each answer is a future, so the caller goes on with work that needs no picture
    until it needs one. `close` (or leaving `with`) stops it.

    The browser runs in a thread of its own with its own event loop, so a session works the same whether or not the
    caller's thread runs an event loop (Streamlit's may)."""

    def __init__(self, fmt: str = "png", scale: float = 2.0) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"format {fmt!r}: expected one of {FORMATS}")
        self.fmt = fmt
        self.scale = 1.0 if fmt == "svg" else scale
        self._path = chromium_path()  # a missing browser is said at once, before any thread starts
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="chart-images", daemon=True)
        self._thread.start()
        self._browser = asyncio.run_coroutine_threadsafe(self._open(), self._loop)
        self._working: set[asyncio.Task] = set()  # drawings and prints under way, stopped by close
        self._printer: Any = None  # the tab that prints documents (choreographer's Tab), opened by the first print_pdf
        self._printing = asyncio.Lock()  # one document at a time in that tab
        self._closed = False

    async def _open(self):
        import kaleido  # imported here: importing it starts nothing, but pages that never draw need not pay for it

        browser = kaleido.Kaleido(n=1, path=self._path, mathjax=False, timeout=120)
        await browser.open()
        return browser

    def _run(self, work: Coroutine[Any, Any, bytes]) -> concurrent.futures.Future[bytes]:
        if self._closed:
            raise RuntimeError("this chart session is closed")

        async def tracked() -> bytes:
            task = asyncio.current_task()
            if task is not None:
                self._working.add(task)
            try:
                return await work
            finally:
                self._working.discard(task)

        return asyncio.run_coroutine_threadsafe(tracked(), self._loop)

    async def _draw(self, spec: ChartImage) -> bytes:
        try:
            browser = await asyncio.wrap_future(self._browser)
            fig = plain_figure(spec)
            opts = dict(format=self.fmt, width=spec.width, height=int(fig.layout.height), scale=self.scale)
            try:
                chart = await browser.calc_fig(fig, opts=opts, topojson=TOPOJSON_URL)
            except Exception as exc:
                if PAGE_NOT_READY not in str(exc):
                    raise
                # Kaleido reloads its tab after every figure, so the figure is sent once more to the page reloaded.
                chart = await browser.calc_fig(fig, opts=opts, topojson=TOPOJSON_URL)
        except Exception as exc:  # the browser would not start or the figure failed: say which
            raise ChartImageError(
                f"Chromium could not draw the charts ({type(exc).__name__}: {exc}). Browser: {self._path}."
            ) from exc
        if self.fmt == "svg":
            return _compose_svg(chart, spec)
        # (in a worker thread: Pillow lets go of the interpreter while it encodes, so the next figure is sent meanwhile)
        return await asyncio.to_thread(_compose_png, chart, spec, self.scale)

    def submit(self, spec: ChartImage) -> concurrent.futures.Future[bytes]:
        """The image of one figure, drawn after those submitted before it (its future raises ChartImageError)."""
        return self._run(self._draw(spec))

    async def _printer_tab(self) -> Any:
        """The tab that prints documents, opened by the first caller (who holds `_printing`)."""
        if self._printer is None:
            browser = await asyncio.wrap_future(self._browser)
            tab = await browser.create_tab("", window=True)
            _check(await tab.send_command("Page.enable"))
            self._printer = tab
        return self._printer

    async def _print(self, html: bytes) -> bytes:
        try:
            async with self._printing:
                printed = await self._print_in(await self._printer_tab(), html)
        except Exception as exc:  # the browser would not start or print: say which
            raise ChartImageError(
                f"Chromium could not print the PDF ({type(exc).__name__}: {exc}). Browser: {self._path}."
            ) from exc
        return base64.b64decode(printed["result"]["data"])

    async def _open_printer(self) -> bytes:
        try:
            async with self._printing:
                await self._printer_tab()
        except Exception as exc:  # the browser would not start or open a tab: say which
            raise ChartImageError(
                f"Chromium could not open a tab to print in ({type(exc).__name__}: {exc}). Browser: {self._path}."
            ) from exc
        return b""

    def open_printer(self) -> concurrent.futures.Future[bytes]:
        """Open the tab print_pdf prints in as soon as the browser is up (the first print_pdf does otherwise), so
        that a caller who will print later need not wait for it then. A failure here is print_pdf's to report
        again."""
        return self._run(self._open_printer())

    @staticmethod
    async def _print_in(tab, html: bytes) -> dict:
        with tempfile.TemporaryDirectory(prefix="cdof-print-") as folder:
            page = Path(folder) / "document.html"
            page.write_bytes(html)
            loaded = tab.subscribe_once("Page.loadEventFired")
            _check(await tab.send_command("Page.navigate", params={"url": page.as_uri()}))
            await asyncio.wait_for(loaded, 120)
            # (the load event waits for the embedded images; the fonts may still be on their way)
            fonts = {"expression": "document.fonts.ready.then(() => true)", "awaitPromise": True}
            _check(await tab.send_command("Runtime.evaluate", params=fonts))
            return _check(await tab.send_command("Page.printToPDF", params=PDF_PRINT))

    def print_pdf(self, html: bytes) -> concurrent.futures.Future[bytes]:
        """The PDF of an HTML document (UTF-8) as Chromium prints it: A4 or whatever its CSS @page says, text kept
        as text, tagged for screen readers with its headings as the outline. The document must carry everything it
        shows (images as data: URLs): it is opened from a temporary file, and a Content-Security-Policy in it is
        what keeps it from fetching anything."""
        return self._run(self._print(html))

    async def _close(self) -> None:
        for task in self._working:  # (only when the caller gave up on them: it failed or was stopped)
            task.cancel()
        await asyncio.gather(*self._working, return_exceptions=True)
        try:
            browser = await asyncio.wrap_future(self._browser)
        except Exception:  # it never started: nothing to stop
            return
        await browser.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            asyncio.run_coroutine_threadsafe(self._close(), self._loop).result()
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()

    def __enter__(self) -> ChartSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


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
    with ChartSession(fmt, scale) as session:
        drawings = [session.submit(spec) for spec in specs]
        images = []
        for n, drawing in enumerate(drawings):
            images.append(drawing.result())
            if progress is not None:
                progress(n + 1, len(drawings))
        return images


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
