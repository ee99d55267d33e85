"""Waiting for a page to be drawn, and a process's memory, for the page benchmarks.

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

    A page may run its script twice (st.rerun; the dashboard does on a server's first visit, see
    pages/common.py), and between the runs the page looks finished with nothing drawn yet. So the state must hold
    for `settle_ms` with no new run starting; the time returned is when it was reached, not when it was confirmed.
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
