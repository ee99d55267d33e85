"""Data text is never live markup (issue 19): a value note holding a Markdown image that points at a loopback server
of this test, bold, HTML tags and Streamlit's own directives is stored for Buckinghamshire; every page that shows
notes is opened in Chromium; the server must receive no request and the text must be shown as written."""

from __future__ import annotations

import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from playwright.sync_api import expect

from metrics.safety import WORD_JOINER
from tests.e2e.conftest import ARTIFACTS, screenshot, wait_idle
from tests.support.browser import streamlit_server

pytestmark = pytest.mark.browser

AREA, METRIC = "E06000060", "continuity_of_care"  # Buckinghamshire
LATEST, EARLIER = "2023/24", "2022/23"


class _Counting(BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self):
        type(self).requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def bait():
    """A loopback HTTP server on a free port that records every request it receives."""
    _Counting.requests = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Counting.requests
    httpd.shutdown()
    httpd.server_close()


def _note(base: str, tag: str) -> str:
    return (
        f"![x]({base}/{tag}.png) **bold** <b>tag</b> <img src={base}/{tag}-html.png> :red[red] $x^2$ "
        f"[link]({base}/{tag}-link) :smile: :material/lock: me@example.com www.example.com"
    )


@pytest.fixture(scope="module")
def note_server(built_db, bait, tmp_path_factory):
    """The dashboard over a copy of the built database in which Buckinghamshire's latest continuity-of-care value
    is suppressed with the malicious note, and its previous value carries it too (for the hover)."""
    from metrics.ingest.pipeline import commit, prepare
    from metrics.store import Store

    base, _ = bait
    folder = tmp_path_factory.mktemp("markup")
    db = folder / "markup.duckdb"
    shutil.copy(built_db, db)
    upload = folder / "notes.csv"
    latest, earlier = (_note(base, t).replace('"', '""') for t in ("latest", "earlier"))
    upload.write_text(
        "metric_key,area_code,period,breakdown,value,lower95,upper95,count,denominator,value_note\n"
        f'{METRIC},{AREA},{LATEST},Total,,,,,,"{latest}"\n'
        f'{METRIC},{AREA},{EARLIER},Total,,,,40,80,"{earlier}"\n',
        encoding="utf-8",
    )
    prepared = prepare(upload)
    assert prepared.ok, prepared.problems.to_string()
    with Store(db) as store:
        commit(store, prepared, author="test")
    ARTIFACTS.mkdir(exist_ok=True)
    with (
        open(ARTIFACTS / "markup_server.log", "w+b") as log,
        streamlit_server("app.py", env={"CDOF_DB": str(db)}, log=log) as (url, _),
    ):
        yield url


def _idle(page) -> None:
    """conftest's wait_idle with room for a loaded machine (a page's first draw has taken over 30 s there); the
    page's heading is awaited too, since "not running" also holds for a moment before a script starts."""
    wait_idle(page, timeout=120_000)
    expect(page.get_by_role("heading").first).to_be_visible(timeout=120_000)
    wait_idle(page, timeout=120_000)


def _open(page, url: str) -> None:
    page.goto(url)
    page.set_default_timeout(120_000)
    page.get_by_test_id("stSidebarNav").get_by_text("Area profile").wait_for()
    _idle(page)


def _assert_inert(page, bait, tag: str) -> None:
    base, requests = bait
    assert requests == [], requests
    # No element of the page points at the bait, and no bold or coloured text came out of the note.
    assert page.locator(f"[src*='{base}'], [href*='{base}']").count() == 0
    # The addresses hold invisible word joiners (they stop autolinks): find the caption by the rest of it.
    caption = page.get_by_text(f"/{tag}.png) **bold** <b>tag</b>", exact=False)
    caption.first.wait_for()
    caption.first.scroll_into_view_if_needed()
    shown = caption.first.inner_text().replace(WORD_JOINER, "")  # the joiners that stop autolinks are invisible
    assert _note(base, tag) in shown
    assert page.locator("strong", has_text="bold").count() == 0
    # No link, icon, emoji, maths or colour came out of it either.
    assert caption.first.locator("a, img, svg, span[data-testid=stIconMaterial], .katex, span[class*=red]").count() == 0
    assert "😄" not in shown


def test_trends_shows_the_note_literally_and_fetches_nothing(page, note_server, bait):
    _open(page, f"{note_server}/trends?metric={METRIC}&area={AREA}")
    page.wait_for_selector("[data-testid=stPlotlyChart] .main-svg")
    _assert_inert(page, bait, "latest")
    assert "Notes for Buckinghamshire: " in page.get_by_text("Notes for Buckinghamshire").first.inner_text()
    screenshot(page, "markup_trends")
    # The hover of the earlier point: Plotly receives the note escaped and draws it as text, no tag.
    chart = page.locator("[data-testid=stPlotlyChart] .js-plotly-plot")
    notes = chart.evaluate("""el => { const t = el.data.find(d => d.name === 'Buckinghamshire');
                                     return t.customdata.map(c => c[4]); }""")
    assert any("&lt;b&gt;tag&lt;/b&gt;" in n for n in notes) and not any("<b>" in n for n in notes)
    trace = chart.evaluate(
        "el => el.data.filter(d => d.type === 'scatter').findIndex(d => d.name === 'Buckinghamshire')"
    )
    # The chart in the middle of the window: scrolled only "into view", its top points sit under Streamlit's header.
    chart.evaluate("el => el.scrollIntoView({block: 'center'})")
    chart.locator(".scatterlayer .trace").nth(trace).locator(".points path").last.hover(force=True)
    label = chart.locator(".hoverlayer .hovertext").first
    label.wait_for()
    text = label.text_content()
    assert "**bold** <b>tag</b>" in text
    assert label.locator("tspan[style*=bold]", has_text="tag").count() == 0
    screenshot(page, "markup_trends_hover")
    # The data table and downloads (built when the expander opens).
    page.get_by_text("The data in the chart").click()
    page.get_by_test_id("stDownloadButton").filter(has_text="Download CSV").wait_for()
    _idle(page)
    assert bait[1] == []
    screenshot(page, "markup_trends_table")


def test_compare_shows_the_suppressed_note_literally_and_fetches_nothing(page, note_server, bait):
    _open(page, f"{note_server}/compare?metric={METRIC}&period={LATEST}&areas={AREA}&areas=E10000025")
    page.get_by_text("Suppressed or missing:").first.wait_for()
    _assert_inert(page, bait, "latest")
    page.get_by_text("Trends of the same areas").click()
    page.get_by_text("Data table and downloads").click()
    page.get_by_test_id("stDownloadButton").filter(has_text="Download CSV").wait_for()
    _idle(page)
    assert bait[1] == []
    screenshot(page, "markup_compare")


@pytest.mark.parametrize("path", [f"home?area={AREA}", f"profile?area={AREA}", f"definitions?metric={METRIC}"])
def test_other_pages_fetch_nothing(page, note_server, bait, path):
    _open(page, f"{note_server}/{path}")
    _idle(page)
    base, requests = bait
    assert requests == [] and page.locator(f"[src*='{base}'], [href*='{base}']").count() == 0
