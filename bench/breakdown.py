"""Where a page's time goes, for each page of bench/pages.py beside the bare page (bench/bare_app.py).

From the browser, on a fresh server (the first visit, as bench/pages.py's cold figure), with the times at which
Playwright reports the page's websocket and its frames:

* load: navigation until the websocket is created (the frontend's HTML, JavaScript and start-up);
* socket to 1st frame: until the server's first message (the session set up, the script started);
* frames: the first to the last frame received (the script's run: queries, figures, sending);
* drawing: the last frame until every element and chart is drawn (the browser's work);
* socket KB: what the server sent over the websocket (the page's protobuf messages, figures' JSON included).

In process, the page's script run by streamlit.testing's AppTest on the same database: the whole run with the
query cache empty (a server's first visit to the page; the store already open) and again with it full, the time
inside the store's read methods and inside st.plotly_chart (making and sending the figure's JSON), the rest, and
the size of the figures' JSON.
"""

from __future__ import annotations

import functools
import inspect
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from bench.browser import wait_until_drawn
from bench.pages import PAGES
from bench.results import Result, median
from tests.support.browser import ROOT, chromium, streamlit_server

BARE = "bare page"
BARE_SCRIPT = "bench/bare_app.py"
TIMEOUT_MS = 180_000
# The parts, in the printed table's order; those ending in KB are sizes, the others milliseconds.
BROWSER_PARTS = ("load", "socket to 1st frame", "frames", "drawing", "total", "socket KB")
SCRIPT_PARTS = ("script cold", "store reads", "plotly_chart", "script rest", "script warm", "figure JSON KB")
# The store's public methods that write or manage the file: every other one reads.
STORE_WRITES = frozenset(
    {
        "close",
        "backup",
        "transaction",
        "write",
        "write_narrative",
        "preview_narrative",
        "set_meta",
        "replace_areas",
        "upsert_periods",
    }
)


@dataclass
class SocketLog:
    """When the navigation started, when its websocket was created and each frame received (time.perf_counter()
    seconds, bytes)."""

    navigated: float
    opened: float | None = None
    frames: list[tuple[float, int]] = field(default_factory=list)


def browser_parts(log: SocketLog, drawn: float) -> dict[str, float]:
    """The parts of one navigation that ended drawn at `drawn`: milliseconds, and KB received. Frames received after
    `drawn` (while the page was seen to settle) belong to no part."""
    frames = [(at, size) for at, size in log.frames if at <= drawn]
    if log.opened is None or not frames:
        raise RuntimeError("the page was drawn without its websocket receiving a frame")
    first, last = frames[0][0], frames[-1][0]
    return {
        "load": (log.opened - log.navigated) * 1000,
        "socket to 1st frame": (first - log.opened) * 1000,
        "frames": (last - first) * 1000,
        "drawing": (drawn - last) * 1000,
        "total": (drawn - log.navigated) * 1000,
        "socket KB": sum(size for _, size in frames) / 1024,
    }


def _navigate(context, url: str) -> dict[str, float]:
    page = context.new_page()
    log = SocketLog(navigated=0.0)

    def on_frame(payload) -> None:
        log.frames.append((time.perf_counter(), len(payload.encode() if isinstance(payload, str) else payload)))

    def on_socket(socket) -> None:
        if log.opened is None and urlsplit(socket.url).path.endswith("/_stcore/stream"):
            log.opened = time.perf_counter()
            socket.on("framereceived", on_frame)

    page.on("websocket", on_socket)
    try:
        log.navigated = time.perf_counter()
        page.goto(url)
        drawn = wait_until_drawn(page, TIMEOUT_MS)
        if page.locator("[data-testid=stException]").count():
            raise RuntimeError(f"{url} shows an error; not timing it")
        return browser_parts(log, drawn)
    finally:
        page.close()


class _Stopwatch:
    """Sums the time spent inside the functions it wraps, once per outermost call (a wrapped function calling
    another is counted once)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self._inside = threading.local()

    def wrap(self, fn):
        @functools.wraps(fn)
        def timed(*args, **kwargs):
            if getattr(self._inside, "depth", 0):
                return fn(*args, **kwargs)
            self._inside.depth = 1
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started
                self.calls += 1
                self._inside.depth = 0

        return timed

    def reset(self) -> None:
        self.seconds, self.calls = 0.0, 0


@contextmanager
def _timed(owner, names, stopwatch: _Stopwatch):
    """Replace owner's attributes `names` with the stopwatch's wrappers while the block runs."""
    missing = object()
    saved = {name: owner.__dict__.get(name, missing) for name in names}
    try:
        for name in names:
            setattr(owner, name, stopwatch.wrap(getattr(owner, name)))
        yield stopwatch
    finally:
        for name, value in saved.items():
            if value is missing:
                delattr(owner, name)
            else:
                setattr(owner, name, value)


def _store_reads() -> list[str]:
    from metrics.store.database import Store

    return [
        n for n, _ in inspect.getmembers(Store, inspect.isfunction) if not n.startswith("_") and n not in STORE_WRITES
    ]


def _forget_queries() -> None:
    """Empty the cached query results; the store stays open, as on a server (app.py's start-up opens it)."""
    import streamlit as st

    st.cache_data.clear()


def _close_store() -> None:
    import streamlit as st

    st.cache_resource.clear()


def _script_parts(script: str, params: dict[str, str], repeats: int) -> dict[str, float]:
    """The page's script run in process: medians over `repeats` of a run with the query cache just emptied (every
    query run) and of the run after it (every query cached)."""
    import streamlit as st
    from streamlit.elements.plotly_chart import PlotlyMixin
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    from metrics.store.database import Store

    # As app.py's start-up does: the pages/ folder is not an old-style page list.
    PagesManager.uses_pages_directory = False

    def run(at: AppTest) -> float:
        started = time.perf_counter()
        at.run()
        elapsed = time.perf_counter() - started
        if at.exception:
            raise RuntimeError(f"{script} raised: {[e.value for e in at.exception]}")
        return elapsed * 1000

    def new_app() -> AppTest:
        at = AppTest.from_file(str(ROOT / script), default_timeout=TIMEOUT_MS / 1000)
        for key, value in params.items():
            at.query_params[key] = value
        return at

    parts: dict[str, list[float]] = {part: [] for part in SCRIPT_PARTS}
    reads, plotting = _Stopwatch(), _Stopwatch()
    for _ in range(repeats):
        # A first run, not timed: AppTest's own start (it scans the installed packages for components) and the
        # modules the page imports, loaded once per server, are not the page's cost.
        at = new_app()
        run(at)
        _forget_queries()
        with (
            _timed(Store, _store_reads(), reads),
            _timed(PlotlyMixin, ["plotly_chart"], plotting),
            _timed(st, ["plotly_chart"], plotting),
        ):
            reads.reset()
            plotting.reset()
            cold = run(at)
            parts["script cold"].append(cold)
            parts["store reads"].append(reads.seconds * 1000)
            parts["plotly_chart"].append(plotting.seconds * 1000)
            parts["script rest"].append(cold - (reads.seconds + plotting.seconds) * 1000)
            parts["figure JSON KB"].append(sum(len(c.proto.spec.encode()) for c in at.get("plotly_chart")) / 1024)
            parts["script warm"].append(run(at))
    _close_store()
    return {part: median(values) for part, values in parts.items()}


def _page_script(path: str) -> tuple[str, dict[str, str]]:
    """The page file and query parameters of a path of PAGES ("/compare-indicators?x=1")."""
    url = urlsplit(path)
    script = f"pages/{url.path.strip('/').replace('-', '_')}.py"
    if not (ROOT / script).is_file():
        raise RuntimeError(f"no page file {script} for {path}")
    return script, {k: v[0] for k, v in parse_qs(url.query).items()}


def measure(db: Path, dataset: str, repeats: int = 3) -> list[Result]:
    """Each page's parts (medians of `repeats` fresh-server visits, each beside one of the bare page; in process,
    `repeats` runs), with the bare page's same part as baseline; prints them as one table."""
    browser: dict[str, dict[str, float]] = {}
    bare_browser: dict[str, dict[str, float]] = {}
    with chromium() as context:
        for name, path in PAGES.items():
            pairs = []
            for _ in range(repeats):
                with (
                    streamlit_server(BARE_SCRIPT) as (bare, _),
                    streamlit_server("app.py", env={"CDOF_DB": str(db)}) as (base, _),
                ):
                    pairs.append((_navigate(context, bare + "/"), _navigate(context, base + path)))
            bare_browser[name] = {p: median([b[p] for b, _ in pairs]) for p in BROWSER_PARTS}
            browser[name] = {p: median([v[p] for _, v in pairs]) for p in BROWSER_PARTS}

    old_db = os.environ.get("CDOF_DB")
    os.environ["CDOF_DB"] = str(db)
    try:
        bare_script = _script_parts(BARE_SCRIPT, {}, repeats)
        script = {name: _script_parts(*_page_script(path), repeats) for name, path in PAGES.items()}
    finally:
        if old_db is None:
            os.environ.pop("CDOF_DB", None)
        else:
            os.environ["CDOF_DB"] = old_db

    _print_table(browser, script, _bare_over_pairs(bare_browser), bare_script)
    results = []
    browser_note = f"browser, first visit to a fresh server; medians of {repeats}; baseline: the bare page's same part"
    script_note = f"in process (AppTest); medians of {repeats}; baseline: the bare page's same part"
    for name in PAGES:
        for part in BROWSER_PARTS:
            unit = "KB" if part.endswith("KB") else "ms"
            results.append(
                Result(
                    f"breakdown {name}: {part}",
                    browser[name][part],
                    bare_browser[name][part],
                    unit,
                    dataset,
                    note=browser_note,
                )
            )
        for part in SCRIPT_PARTS:
            unit = "KB" if part.endswith("KB") else "ms"
            baseline = None if part == "store reads" else bare_script[part]
            results.append(
                Result(f"breakdown {name}: {part}", script[name][part], baseline, unit, dataset, note=script_note)
            )
    return results


def _bare_over_pairs(bare: dict[str, dict[str, float]]) -> dict[str, float]:
    """The bare page's parts over every pair of the run, for the printed table's baseline column."""
    return {part: median([parts[part] for parts in bare.values()]) for part in BROWSER_PARTS}


def _print_table(browser, script, bare_browser, bare_script) -> None:
    """One row per part, one column per page (names cut to fit), the bare page first."""
    columns = {BARE: {**bare_browser, **bare_script}} | {n: {**browser[n], **script[n]} for n in browser}
    print("\nwhere a page's time goes (ms; KB): browser, first visit to a fresh server; then the script in process")
    print(f"{'':20}" + "".join(f"{name[:11]:>12}" for name in columns))
    for part in BROWSER_PARTS + SCRIPT_PARTS:
        print(f"{part:20}" + "".join(f"{parts[part]:>12.1f}" for parts in columns.values()))
    print()
