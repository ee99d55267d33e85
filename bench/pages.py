"""Time from navigation to all charts drawn in headless Chromium, per page, cold and warm, against a bare
Streamlit page with one Plotly chart (and a selectbox choosing its data) served the same way; and the server's
memory with 1 and 10 sessions."""

from __future__ import annotations

import time
from pathlib import Path

from bench.browser import rss_mb, wait_for_page, wait_until_drawn
from bench.results import Result, median, pair_ratios
from tests.support.browser import chromium, streamlit_server

PAGES = {
    "scorecard": "/scorecard?area=E06000060",
    "trends": "/trends?area=E06000060&metric=continuity_of_care",
    "compare": "/compare?metric=continuity_of_care",
    "profile": "/profile?area=E06000060",
    "definitions": "/definitions",
    "map": "/map?metric=continuity_of_care",
    "inequalities": "/inequalities?area=E06000060&metric=continuity_of_care",
    "compare indicators": "/compare-indicators",
}


def _time_navigation(context, url: str) -> float:
    page = context.new_page()
    try:
        started = time.perf_counter()
        page.goto(url)
        drawn = wait_until_drawn(page)
        # A page that failed draws fast: never record its time (seen: an old build reading a newer database).
        if page.locator("[data-testid=stException]").count():
            raise RuntimeError(f"{url} shows an error; not timing it")
        return (drawn - started) * 1000
    finally:
        page.close()


def measure_render(db: Path, dataset: str, repeats: int = 3) -> list[Result]:
    """Each page beside the bare page, measured in the same time window, `repeats` times: each time a fresh server
    for each (cold = the first navigation after it starts), then one warm navigation of each, bare first, so a
    change in the machine's load falls on both figures alike (the machine may be shared). The figures are the
    medians: one cold pair alone varied by ±0.2-0.3 in the ratio from run to run."""
    env = {"CDOF_DB": str(db)}
    results = []
    note = f"medians of {repeats} fresh-server pairs; baseline: bench/bare_app.py (one Plotly chart), alongside"
    with chromium() as context:
        for name, path in PAGES.items():
            bare_cold, cold, bare_warm, warm = [], [], [], []
            for _ in range(repeats):
                with (
                    streamlit_server("bench/bare_app.py") as (bare, _),
                    streamlit_server("app.py", env=env) as (base, _),
                ):
                    bare_cold.append(_time_navigation(context, bare + "/"))
                    cold.append(_time_navigation(context, base + path))
                    bare_warm.append(_time_navigation(context, bare + "/"))
                    warm.append(_time_navigation(context, base + path))
            results.append(
                Result(
                    f"page cold {name}",
                    median(cold),
                    median(bare_cold),
                    "ms",
                    dataset,
                    target_ratio=1.2,
                    note=note + pair_ratios(cold, bare_cold),
                )
            )
            results.append(
                Result(
                    f"page warm {name}",
                    median(warm),
                    median(bare_warm),
                    "ms",
                    dataset,
                    target_ratio=1.2,
                    note=note + pair_ratios(warm, bare_warm),
                )
            )
    return results


def measure_memory(db: Path, dataset: str) -> list[Result]:
    """Peak server memory with 1 and with 10 concurrent sessions, beside the bare app with the same load."""
    env = {"CDOF_DB": str(db)}
    results = []
    for sessions in (1, 10):
        peaks = {}
        for label, script, path in (("bare", "bench/bare_app.py", "/"), ("dashboard", "app.py", PAGES["scorecard"])):
            with streamlit_server(script, env=env) as (base, proc), chromium() as context:
                pages = [context.new_page() for _ in range(sessions)]
                for p in pages:
                    p.goto(base + path)
                for p in pages:
                    wait_for_page(p, timeout_ms=180_000)
                # each session also opens a second page, as a board member would
                if label == "dashboard":
                    for p in pages:
                        p.goto(base + PAGES["compare"])
                    for p in pages:
                        wait_for_page(p, timeout_ms=180_000)
                peaks[label] = rss_mb(proc.pid)[1]
        results.append(
            Result(
                f"server peak memory, {sessions} session(s)",
                peaks["dashboard"],
                peaks["bare"],
                "MB",
                dataset,
                target_value=500.0 if sessions == 10 else None,
            )
        )
    return results
