"""Capacity (issue 32): page-load p95 of one dashboard server with 1, 5, 10 and 20 concurrent browser sessions, and
of two servers on one PostgreSQL database sharing 20 sessions; each server's peak memory; every figure as a ratio to
the single-session p95 measured in the same run.

Each session is a Chromium page (its own Streamlit session) that loads pages one after another, as a reader clicking
through would: scorecard, trends, compare and profile of a rotating area, each load timed from navigation until the
script has finished and every chart is drawn. The browser runs on the same machine as the servers, so on a small
machine part of what is measured is the browser's own drawing.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bench.browser import rss_mb
from bench.results import Result, percentile
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server

AREAS = ["E06000060", "E10000034", "E10000025", "E08000025", "E09000002", "E06000019"]
PATHS = [
    "/scorecard?area={area}",
    "/trends?area={area}&metric=continuity_of_care",
    "/compare?metric=continuity_of_care&area={area}",
    "/profile?area={area}",
]
LOADS_PER_SESSION = 6

_DRAWN = """() => document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state') === 'notRunning'
                  && !document.querySelector('[data-testid=stApp] [data-testid=stSkeleton]')
                  && [...document.querySelectorAll('[data-testid=stPlotlyChart]')]
                     .every(c => c.querySelector('.main-svg'))
                  && document.querySelectorAll('[data-testid=stMarkdown], [data-testid=stPlotlyChart]').length > 2"""


async def _load(page, url: str) -> float:
    """Navigation to drawn, in ms: the drawn state must hold for 300 ms (a page may run its script twice)."""
    started = time.perf_counter()
    await page.goto(url, timeout=180_000)
    while True:
        await page.wait_for_function(_DRAWN, timeout=180_000, polling=50)
        reached = time.perf_counter()
        await page.wait_for_timeout(300)
        if await page.evaluate(_DRAWN):
            if await page.locator("[data-testid=stException]").count():
                raise RuntimeError(f"{url} shows an error; not timing it")
            return (reached - started) * 1000


async def _session(browser, bases: list[str], n: int, times: list[float]) -> None:
    context = await browser.new_context(viewport={"width": 1366, "height": 800})
    page = await context.new_page()
    base = bases[n % len(bases)]  # sessions spread over the servers as a sticky proxy would
    try:
        for k in range(LOADS_PER_SESSION):
            path = PATHS[(n + k) % len(PATHS)].format(area=AREAS[(n + k) % len(AREAS)])
            times.append(await _load(page, base + path))
    finally:
        await context.close()


async def _run_sessions(bases: list[str], sessions: int) -> list[float]:
    from playwright.async_api import async_playwright

    times: list[float] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            # every server warmed by one load of each page first (its start-up and first imports are not capacity)
            warm: list[float] = []
            for base in bases:
                await _session(browser, [base], 0, warm)
            await asyncio.gather(*(_session(browser, bases, n, times) for n in range(sessions)))
        finally:
            await browser.close()
    return times


def _measure(envs: list[dict], sessions: int) -> tuple[list[float], list[float]]:
    """Load times (ms) of `sessions` sessions over one server per env, and each server's peak memory (MB)."""
    with _servers(envs) as servers:
        times = asyncio.run(_run_sessions([base for base, _ in servers], sessions))
        memory = [rss_mb(proc.pid)[1] for _, proc in servers]
    return times, memory


class _servers:
    def __init__(self, envs: list[dict]):
        self.envs, self._stack = envs, None

    def __enter__(self):
        from contextlib import ExitStack

        self._stack = ExitStack()
        return [self._stack.enter_context(streamlit_server("app.py", env=env, timeout=300)) for env in self.envs]

    def __exit__(self, *exc):
        assert self._stack is not None
        self._stack.close()


def measure(db: Path, pg_url: str, dataset: str) -> list[Result]:
    results: list[Result] = []
    single_p95 = None
    configurations = [(f"one server (file), {n} session(s)", [{"CDOF_DB": str(db)}], n) for n in (1, 2, 3, 5, 10, 20)]
    configurations.append(("two servers (PostgreSQL), 20 sessions", [{"CDOF_DB": pg_url}] * 2, 20))
    configurations.append(("one server (PostgreSQL), 20 sessions", [{"CDOF_DB": pg_url}], 20))
    for label, envs, sessions in configurations:
        times, memory = _measure(envs, sessions)
        p95, p50 = percentile(times, 0.95), percentile(times, 0.5)
        if single_p95 is None:
            single_p95 = p95
        note = f"{len(times)} loads; p50 {p50:.0f} ms; peak memory per server " + ", ".join(f"{m:.0f}" for m in memory)
        results.append(Result(f"page-load p95, {label}", p95, single_p95, "ms", dataset, target_ratio=2.0, note=note))
        for i, m in enumerate(memory):
            results.append(Result(f"server {i + 1} peak memory, {label}", m, None, "MB", dataset))
    return results
