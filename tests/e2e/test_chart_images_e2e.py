"""A chart downloaded as an image from the browser (Debian's Chromium): the PNG of the Trends chart for
Worcestershire, drawn on the server when the button is clicked, with every request off the machine aborted."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, screenshot, wait_idle
from tests.support.browser import streamlit_server

pytestmark = pytest.mark.browser

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def server(built_db, tmp_path_factory):
    """The dashboard on its own copy of the built database: DuckDB lets one process open a file, and this test
    process may hold the session's file open (an AppTest run before this one)."""
    db = tmp_path_factory.mktemp("chart_images") / "cdof.duckdb"
    shutil.copy(built_db, db)
    ARTIFACTS.mkdir(exist_ok=True)
    with (
        open(ARTIFACTS / "server_chart_images.log", "w+b") as log,
        streamlit_server("app.py", env={"CDOF_DB": str(db)}, log=log) as (url, _),
    ):
        yield url


def test_trends_chart_downloads_as_png_offline(page, server, offline):
    page.set_default_timeout(120_000)
    page.goto(f"{server}/trends?metric=continuity_of_care&area=E10000034")
    page.get_by_test_id("stSidebarNav").get_by_text("Area profile").wait_for()
    wait_idle(page, timeout=120_000)
    page.wait_for_selector("[data-testid=stPlotlyChart] .main-svg")
    # The buttons' accessible names say which chart they download.
    button = page.get_by_role("button", name="Download trend chart as PNG")
    expect(button).to_be_enabled()
    expect(page.get_by_role("button", name="Download trend chart as SVG")).to_have_count(1)

    # Chromium starts on the server for the click: allow for a loaded machine.
    with page.expect_download(timeout=120_000) as dl:
        button.click()
    download = dl.value
    name = download.suggested_filename
    assert name.startswith("cdof-continuity-of-care-worcestershire-") and name.endswith(".png"), name
    data = Path(download.path()).read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.width == 1800
    assert page.get_by_test_id("stDownloadButtonError").count() == 0
    assert page.get_by_test_id("stException").count() == 0
    screenshot(page, "trends_chart_downloads")
    assert offline == [], f"requests left the machine: {offline}"  # (the fixture checks again at teardown)
