"""An uploader refreshes from Fingertips in Chromium (against the loopback server of
tests/support/fingertips_server.py, which serves the real bodies we hold) and sees the new values' citation."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile

import pandas as pd
import pytest
from playwright.sync_api import expect

from metrics.build import build_database
from tests.support.browser import streamlit_server
from tests.support.fingertips_server import REAL_BODIES, FingertipsServer, Reply

from .conftest import REPO, screenshot, wait_idle

pytestmark = pytest.mark.browser
OPIATES, ALCOHOL = 93517, 93532


def test_uploader_refreshes_from_fingertips_and_sees_the_citation(browser, tmp_path):
    db = tmp_path / "store.duckdb"
    build_database(db, log=lambda m: None)
    settings = tmp_path / "settings.yaml"
    settings.write_text("upload:\n  local_mode: true\nfingertips:\n  retries: 0\n", encoding="utf-8")
    with (
        FingertipsServer({i: [Reply.file(REAL_BODIES[i])] for i in (OPIATES, ALCOHOL)}) as api,
        tempfile.TemporaryFile() as log,
        streamlit_server(
            "app.py",
            env={"CDOF_DB": str(db), "CDOF_SETTINGS": str(settings), "CDOF_FINGERTIPS_URL": api.base_url},
            log=log,
        ) as (url, _),
    ):
        page = browser.new_page()
        page.set_viewport_size({"width": 1366, "height": 900})
        page.goto(f"{url}/upload")
        wait_idle(page)
        page.get_by_role("button", name="Check Fingertips for new data").click()
        commit = page.get_by_role("button", name="Commit 30 rows from 2 indicators")
        commit.wait_for(timeout=60_000)
        wait_idle(page)
        expect(page.get_by_text("12 indicators: 2 loaded, 0 unchanged, 10 failed")).to_be_visible()
        screenshot(page, "refresh_preview")
        commit.click()
        page.get_by_text("Committed the refresh as revision 6").wait_for(timeout=60_000)
        wait_idle(page)
        page.goto(f"{url}/definitions?metric=unmet_need_ocu")
        wait_idle(page)
        expect(page.get_by_text("OHID, Fingertips public health profiles, indicator 93517").first).to_be_visible()
        expect(page.get_by_text("by a refresh from Fingertips").first).to_be_visible()
        screenshot(page, "refresh_definitions")
        page.close()
    export = subprocess.run(
        [sys.executable, "-m", "metrics", "export", "--db", str(db)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = pd.read_csv(io.StringIO(export.stdout), dtype={"period": str})
    worcs = rows[(rows.metric_key == "unmet_need_ocu") & (rows.area_code == "E10000034") & (rows.period == "2018/19")]
    assert worcs.value.tolist() == [54.61674677]
    assert worcs.source.iloc[0].startswith("OHID, Fingertips public health profiles, indicator 93517")
    shutil.rmtree(tmp_path / "store.duckdb.backups", ignore_errors=True)
