"""Waiting for a page to be drawn, or drawn again after a change of selection, and a process's memory, for the page
benchmarks.

The Streamlit server and the Chromium context are tests.support.browser's, shared with the browser tests.
"""

from __future__ import annotations

import time

_DRAWN = """() => !document.querySelector('[data-testid=stApp] [data-testid=stSkeleton]')
                  && [...document.querySelectorAll('[data-testid=stPlotlyChart]')]
                     .every(c => c.querySelector('.main-svg'))"""
# Counts the script runs that start from now on (the app's state attribute turning to "running").
_COUNT_RUNS = """() => {
    window.__benchRuns = 0;
    const app = document.querySelector('[data-testid=stApp]');
    if (window.__benchObserver) window.__benchObserver.disconnect();
    window.__benchObserver = new MutationObserver(() => {
        if (app.getAttribute('data-test-script-state') === 'running') window.__benchRuns += 1;
    });
    window.__benchObserver.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def wait_until_drawn(page, timeout_ms: int = 60_000, settle_ms: int = 500) -> float:
    """Wait until the script has finished, every element has loaded and every Plotly chart has drawn, for good;
    returns the time.perf_counter() at which that last happened.

    Streamlit loads the code of some elements (Plotly charts, dataframes, ...) on demand and shows a skeleton
    (data-testid=stSkeleton) until it has; only then does the element's own test id appear. So "every chart has
    drawn" alone is true while a chart is still a skeleton (no charts found), which is how the bare page with one
    Plotly chart was timed before its chart existed. Waiting until no skeleton is left makes every page, the bare
    one included, wait for the same thing: all of its elements drawn.

    A page may run its script twice (st.rerun: the dashboard does on a first visit when it is started as
    dashboard.py, see pages/common.py), and between the runs the page looks finished with nothing drawn yet. So the
    state must hold for `settle_ms` with no new run starting; the time returned is when it was reached, not when it
    was confirmed.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        left = max(1, int((deadline - time.monotonic()) * 1000))
        page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=left)
        page.wait_for_function(_DRAWN, timeout=left)
        reached = time.perf_counter()
        page.evaluate(_COUNT_RUNS)
        page.wait_for_timeout(settle_ms)
        settled = (
            page.evaluate("window.__benchRuns") == 0
            and page.evaluate("document.querySelector('[data-testid=stApp]').getAttribute('data-test-script-state')")
            == "notRunning"
        )
        if settled and page.evaluate(_DRAWN):
            return reached
        if time.monotonic() > deadline:
            raise TimeoutError(f"the page did not settle within {timeout_ms} ms")


# Marks what the page shows before a change of selection: its Plotly charts, each chart's data (Plotly.react gives a
# chart the new figure's own data array, so its identity tells the old drawing from the new), and whether a script
# run starts (a fast run may never show as running: the browser may take its first and last message together).
_WATCH_CHANGE = """() => {
    const app = document.querySelector('[data-testid=stApp]');
    window.__benchRunStarted = false;
    if (window.__benchChangeObserver) window.__benchChangeObserver.disconnect();
    window.__benchChangeObserver = new MutationObserver(records => {
        if (records.some(r => r.oldValue === 'running') || app.getAttribute('data-test-script-state') === 'running')
            window.__benchRunStarted = true;
    });
    window.__benchChangeObserver.observe(app, {attributes: true, attributeOldValue: true,
                                               attributeFilter: ['data-test-script-state']});
    window.__benchOldCharts = [...document.querySelectorAll('.js-plotly-plot')];
    for (const chart of window.__benchOldCharts) {
        chart.__benchOldData = chart.data;
        if (!chart.__benchListening) {
            chart.__benchListening = true;
            chart.on('plotly_afterplot', () => { chart.__benchPlottedData = chart.data; });
        }
    }
}"""
# True once a chart of before the change has left the page (Streamlit draws a new figure in a new element) or has
# finished drawing other data, or, on a page that had no chart, once a script run has started.
_CHANGED = """() => {
    const old = window.__benchOldCharts;
    if (!old.length) return window.__benchRunStarted;
    return old.some(c => !c.isConnected
                         || (c.__benchPlottedData !== undefined && c.__benchPlottedData !== c.__benchOldData));
}"""

_SEEN = """() => ({state: document.querySelector('[data-testid=stApp]').getAttribute('data-test-script-state'),
                  runStarted: window.__benchRunStarted, chartsBefore: window.__benchOldCharts.length,
                  chartsLeft: window.__benchOldCharts.filter(c => c.isConnected).length,
                  chartsNow: document.querySelectorAll('.js-plotly-plot').length})"""


def watch_for_change(page) -> None:
    """Remember what the page shows now, so that wait_until_redrawn can tell the drawing of a change from it; call
    just before the change."""
    page.evaluate(_WATCH_CHANGE)


def wait_until_redrawn(page, timeout_ms: int = 120_000) -> float:
    """After a change of selection (watch_for_change called before it): wait until a chart of before has been
    replaced or redrawn with other data (on a page without charts, until a script run has started), then
    wait_until_drawn; returns the time.perf_counter() at which the page was drawn again.

    wait_until_drawn alone would pass at once on the old drawing: the script state is still notRunning and the old
    charts are drawn until the server's new run reaches the browser."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    deadline = time.monotonic() + timeout_ms / 1000
    try:
        page.wait_for_function(_CHANGED, timeout=timeout_ms)
    except PlaywrightTimeout:
        seen = page.evaluate(_SEEN)
        raise TimeoutError(f"{page.url} was not drawn again within {timeout_ms} ms of the change: {seen}") from None
    return wait_until_drawn(page, timeout_ms=max(1, int((deadline - time.monotonic()) * 1000)))


def wait_for_page(page, timeout_ms: int = 60_000) -> int:
    """wait_until_drawn, then the number of Plotly charts on the page."""
    wait_until_drawn(page, timeout_ms)
    return page.locator("[data-testid=stPlotlyChart]").count()


def rss_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a process in MB, from /proc."""
    cur = peak = 0.0
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                cur = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    return cur, peak
