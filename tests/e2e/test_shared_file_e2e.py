"""The file default with several processes (issue 32, item 3): while a real dashboard server holds the database
file, the command line's readers (report, export, history) work beside it; a command-line write waits a bounded
time, then says which process holds the file and exits 1, writing nothing; an upload through the dashboard still
commits; and the file is whole afterwards."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

import pytest

from metrics.store import Store
from tests.support.browser import streamlit_server

from .conftest import REPO, wait_idle

pytestmark = pytest.mark.browser
SAMPLE = REPO / "tests/fixtures/fingertips/unmet_opiates.csv"


def _metrics(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "metrics", *args], cwd=REPO, capture_output=True, text=True, env=env, timeout=300
    )


def test_command_line_beside_a_running_dashboard(browser, built_db, tmp_path):
    db = tmp_path / "cdof.duckdb"
    shutil.copy(built_db, db)
    settings = tmp_path / "settings.yaml"
    settings.write_text("upload:\n  local_mode: true\n  max_upload_mb: 5\nstore:\n  lock_wait_seconds: 2\n")
    env = {**os.environ, "CDOF_DB": str(db), "CDOF_SETTINGS": str(settings)}
    with Store(db, read_only=True) as store:
        before = store.export_rows()
        built = store.revisions().revision_id.tolist()  # newest first
    upload_rid = built[0] + 1
    with (
        tempfile.TemporaryFile() as log,
        streamlit_server("app.py", env={"CDOF_DB": str(db), "CDOF_SETTINGS": str(settings)}, log=log) as (url, proc),
    ):
        page = browser.new_page()
        page.goto(f"{url}/upload")
        wait_idle(page)
        page.get_by_text("Upload data").first.wait_for()  # the server has opened the file
        # Readers share the file with the dashboard.
        history = _metrics("history", env=env)
        assert history.returncode == 0 and "build" in history.stdout, history.stderr
        export = _metrics("export", env=env)
        assert export.returncode == 0 and len(export.stdout.splitlines()) == len(before) + 1, export.stderr
        out = tmp_path / "report.html"
        report = _metrics("report", "--area", "E10000034", "--out", str(out), "--format", "html", env=env)
        assert report.returncode == 0 and out.stat().st_size > 0, report.stderr
        # A write waits (2 s here), then names the dashboard's process and exits 1; nothing is written.
        ingest = _metrics("ingest", str(SAMPLE), env=env)
        assert ingest.returncode == 1, ingest.stderr
        assert f"waiting up to 2 s for {db}: in use by process {proc.pid} (" in ingest.stderr
        assert f"is in use by process {proc.pid} (" in ingest.stderr and "streamlit run app.py" in ingest.stderr
        assert "reading" in ingest.stderr and "Traceback" not in ingest.stderr
        # The dashboard itself still writes: it opens the file read-write for the commit only.
        page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(SAMPLE))
        page.get_by_text("No problems found.").wait_for(timeout=60_000)
        wait_idle(page)
        page.get_by_role("button", name="Commit").click()
        page.get_by_text(f"Committed as revision {upload_rid}").wait_for(timeout=60_000)
        # ... and a reader started after the commit sees it while the dashboard runs.
        history = _metrics("history", env=env)
        assert history.returncode == 0 and "unmet_opiates.csv" in history.stdout, history.stderr
        page.close()
    with Store(db, read_only=True) as store:  # the file is whole: every table reads, one upload more
        assert store.revisions().revision_id.tolist() == [upload_rid, *built]
        assert len(store.export_rows()) == len(before) + 1
