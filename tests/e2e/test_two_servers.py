"""Two real dashboard servers on one PostgreSQL database, in Chromium: an upload committed through one server, and
one made with the command line, are what the next page load on both servers shows."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browser import streamlit_server

from .conftest import REPO, screenshot, wait_idle

pytestmark = pytest.mark.browser
AREA = "E10000034"  # Worcestershire


def _upload_file(folder: Path, period: str, count: int, denominator: int) -> Path:
    path = folder / f"continuity_{count}.csv"
    path.write_text(
        "metric_key,area_code,period,breakdown,value,count,denominator\n"
        f"continuity_of_care,{AREA},{period},Total,,{count},{denominator}\n"
    )
    return path


def _continuity_shown(page, url: str) -> str:
    """The scorecard summary's row for continuity of care (HTML text, so the figure can be read), demonstration
    data shown so that the row is there before the uploads."""
    page.goto(f"{url}/scorecard?area={AREA}&real=false")
    wait_idle(page)
    row = page.locator("tr", has_text="Continuity of care").first
    expect(row).to_be_visible()
    return row.inner_text()


def test_an_upload_through_one_server_and_one_from_the_command_line_show_on_both(browser, pg_built_copy, tmp_path):
    from metrics.store import open_store

    with open_store(pg_built_copy, read_only=True) as s:
        period = s.latest_for_area(AREA).set_index("metric_key").loc["continuity_of_care", "period"]
        upload_rid = s.latest_revision() + 1
    settings = tmp_path / "settings.yaml"
    settings.write_text("upload:\n  local_mode: true\n  max_upload_mb: 5\n", encoding="utf-8")
    env = {"CDOF_DB": pg_built_copy, "CDOF_SETTINGS": str(settings)}
    with ExitStack() as stack:
        urls = []
        for _ in range(2):
            log = stack.enter_context(tempfile.TemporaryFile())
            url, _ = stack.enter_context(streamlit_server("app.py", env=env, log=log))
            urls.append(url)
        first, second = urls
        page = browser.new_page()
        page.set_default_timeout(60_000)
        before = _continuity_shown(page, second)
        assert "27.0" not in before

        # An upload through the first server ...
        page.goto(f"{first}/upload")
        wait_idle(page)
        page.get_by_text("Upload data").first.wait_for()
        page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(
            str(_upload_file(tmp_path, period, 123, 456))
        )
        page.get_by_text("No problems found.").wait_for(timeout=60_000)
        wait_idle(page)
        page.get_by_role("button", name="Commit 1 rows").click()
        page.get_by_text(f"Committed as revision {upload_rid}").wait_for(timeout=60_000)
        # ... is what the second server's next page load shows (123 / 456 = 27.0%).
        assert "27.0" in _continuity_shown(page, second)
        screenshot(page, "two-servers-second-after-upload")

        # An upload from the command line shows on both (200 / 400 = 50.0%).
        done = subprocess.run(
            [sys.executable, "-m", "metrics", "ingest", str(_upload_file(tmp_path, period, 200, 400))],
            cwd=REPO,
            env={**__import__("os").environ, **env},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        for url in (first, second):
            shown = _continuity_shown(page, url)
            assert "50.0" in shown and "27.0" not in shown
        page.close()
