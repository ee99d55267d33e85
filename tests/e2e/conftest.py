"""A Streamlit server for the browser tests (one per test module) and a Chromium page at 1280x800.

Playwright's own browser download is impossible here: Debian's Chromium at /usr/bin/chromium is used.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from bench.browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="module")
def server(built_db):
    """Base URL of `streamlit run app.py` on a free port, reading the session's built database."""
    ARTIFACTS.mkdir(exist_ok=True)
    with open(ARTIFACTS / "server.log", "w+b") as log, \
            streamlit_server("app.py", env={"CDOF_DB": str(built_db)}, log=log) as (url, _):
        yield url


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (make chromium)")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1280, "height": 800}, accept_downloads=True)
        yield context
        context.close()


@pytest.fixture
def page(browser):
    pg = browser.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    pg.close()


def wait_idle(page) -> None:
    """Wait until the script has finished running after a navigation or an interaction."""
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=30_000)
    page.wait_for_timeout(300)
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=30_000)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
