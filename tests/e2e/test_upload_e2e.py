"""Upload in a real browser: an uploader server (local mode via CDOF_SETTINGS) and an anonymous one."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from metrics.build import build_database
from tests.support.browser import serious_accessibility_violations, streamlit_server

from .conftest import REPO, wait_idle

pytestmark = pytest.mark.browser
SAMPLE = REPO / "tests/fixtures/fingertips/unmet_opiates.csv"


@contextlib.contextmanager
def _server(base_db: Path, tmp_path: Path, uploader: bool):
    """A server over a copy of the base database (yielding its URL and the copy's path); `uploader` turns the
    settings' local mode on, which makes every visitor an uploader."""
    db = tmp_path / "store.duckdb"
    shutil.copy(base_db, db)
    settings = _settings(tmp_path, uploader)
    with (
        tempfile.TemporaryFile() as log,
        streamlit_server("app.py", env={"CDOF_DB": str(db), "CDOF_SETTINGS": str(settings)}, log=log) as (url, _),
    ):
        yield url, db


@pytest.fixture(scope="module")
def base_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("upload_e2e") / "base.duckdb"
    build_database(path, log=lambda m: None)
    return path


def _settings(tmp_path: Path, local_mode: bool) -> Path:
    p = tmp_path / f"settings_{local_mode}.yaml"
    p.write_text(f"upload:\n  local_mode: {str(local_mode).lower()}\n  max_upload_mb: 5\n", encoding="utf-8")
    return p


def test_uploader_uploads_previews_commits_and_sees_new_values(browser, base_db, tmp_path):
    with _server(base_db, tmp_path, uploader=True) as (url, db):
        page = browser.new_page()
        page.goto(f"{url}/upload")
        wait_idle(page)
        page.get_by_text("Upload data").first.wait_for()
        page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(SAMPLE))
        page.get_by_text("No problems found.").wait_for(timeout=30_000)
        wait_idle(page)
        expect(page.locator("[data-testid=stMetricValue]")).to_have_count(4)
        values = page.locator("[data-testid=stMetricValue]").all_inner_texts()
        assert values == ["1", "10", "2", "0"]  # two rows repeat stored figures; England 2020/21 is new (real series)
        page.get_by_role("button", name="Commit 13 rows").click()
        page.get_by_text("Committed as revision 6").wait_for(timeout=30_000)
        wait_idle(page)
        # The Trends page opens on the uploaded metric and area without error (its chart is canvas-drawn, so
        # the value itself is checked through the CLI export below, once the server has released the file).
        page.goto(f"{url}/trends?metric=unmet_need_ocu&area=E10000034")
        wait_idle(page)
        # The page has run when its chart is there, or an exception was shown in its place.
        drawn = page.get_by_test_id("stPlotlyChart").or_(page.get_by_test_id("stException"))
        expect(drawn.first).to_be_visible()
        assert page.locator("[data-testid=stException]").count() == 0
        page.close()
    export = subprocess.run(
        [sys.executable, "-m", "metrics", "export", "--db", str(db)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(
        row for row in export.splitlines() if row.startswith("unmet_need_ocu,E10000034,") and ",2019/20," in row
    )
    assert "53.25069567" in line and "Fingertips indicator 93517 download unmet_opiates.csv" in line
    history = subprocess.run(
        [sys.executable, "-m", "metrics", "history", "--db", str(db)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "unmet_opiates.csv" in history.splitlines()[1] and "upload" in history.splitlines()[1]


def test_anonymous_server_has_no_upload_page(browser, base_db, tmp_path):
    with _server(base_db, tmp_path, uploader=False) as (url, _):
        page = browser.new_page()
        page.goto(url)
        wait_idle(page)
        nav = page.locator("[data-testid=stSidebarNav]")
        nav.wait_for(timeout=30_000)
        assert "Upload data" not in nav.inner_text()
        page.goto(f"{url}/upload")
        wait_idle(page)
        # An unknown page path opens the default page: its title shows that the run has drawn the main area.
        expect(page.get_by_test_id("stMain").locator("h1").first).to_be_visible()
        assert page.locator("[data-testid=stFileUploaderDropzoneInput]").count() == 0
        assert "Upload data" not in page.locator("[data-testid=stMain]").inner_text()
        page.close()


def test_upload_pages_have_no_serious_accessibility_violations(browser, base_db, tmp_path):
    """axe-core over what an uploader sees: the menu with Upload data in it, the upload page, and its preview."""
    with _server(base_db, tmp_path, uploader=True) as (url, _):
        page = browser.new_page()
        page.goto(url)
        wait_idle(page)
        expect(page.get_by_test_id("stSidebarNav").get_by_text("Upload data")).to_be_visible()
        expect(page.get_by_test_id("stMain").locator("h1").first).to_be_visible()
        assert serious_accessibility_violations(page) == []
        page.goto(f"{url}/upload")
        wait_idle(page)
        expect(page.get_by_test_id("stMain").get_by_text("Upload data").first).to_be_visible()
        assert serious_accessibility_violations(page) == []
        page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(SAMPLE))
        page.get_by_text("No problems found.").wait_for(timeout=30_000)
        wait_idle(page)
        assert serious_accessibility_violations(page) == []
        page.close()
