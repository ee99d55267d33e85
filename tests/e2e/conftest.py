"""A Streamlit server for the browser tests (one per test module) and a Chromium page at 1280x800.

Playwright's own browser download is impossible here: Debian's Chromium at /usr/bin/chromium is used.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.support.browser import CHROMIUM, chromium, streamlit_server

# expect's own default is 5 s; pages on a loaded machine take longer, as the page timeout below allows.
expect.set_options(timeout=30_000)

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="module")
def server(built_db):
    """Base URL of `streamlit run app.py` on a free port, reading the session's built database."""
    ARTIFACTS.mkdir(exist_ok=True)
    with (
        open(ARTIFACTS / "server.log", "w+b") as log,
        streamlit_server("app.py", env={"CDOF_DB": str(built_db)}, log=log) as (url, _),
    ):
        yield url


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (make chromium)")
    with chromium() as context:
        yield context


@pytest.fixture
def page(browser):
    pg = browser.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    pg.close()


def wait_idle(page, timeout: float = 30_000) -> None:
    """Wait (retrying, no fixed pause) until the app's script has finished running.

    "Not running" also holds for a moment before a script starts, so callers then wait, with `expect` or
    `wait_for`, for the content they are about to check.
    """
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning", timeout=timeout)


def with_demonstration(path: str) -> str:
    """A page's path with demonstration data switched on (real data only is the default): for the tests of what
    the pages draw, which the real bundled figures alone do not fill."""
    return path + ("&" if "?" in path else "?") + "real=false"


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


@pytest.fixture
def offline(page):
    """Abort every request that leaves the loopback and record it: a test using this fails if any was made."""
    outside: list[str] = []

    def route(r):
        if urlparse(r.request.url).hostname in LOOPBACK:
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    yield outside
    assert outside == [], f"requests left the machine: {outside}"
