"""The delivery plan in Debian's Chromium: an uploader (local mode) updates an action of Worcestershire's example
plan, builds the board report and finds the action's new status and update in the downloaded Word paper."""

from __future__ import annotations

import io
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from docx import Document
from playwright.sync_api import expect

from metrics.areas import default_geography
from metrics.catalogue import default_catalogue
from metrics.paper.example import load_example
from metrics.store import Store
from tests.support.browser import streamlit_server

from .conftest import REPO, screenshot, wait_idle

pytestmark = pytest.mark.browser
EXAMPLE = REPO / "data/examples/worcestershire"
UPDATE = "Recruitment paused again in <b>March</b>; see **the workforce plan**"


def _download(page, label: str) -> bytes:
    with page.expect_download(timeout=120_000) as dl:
        page.get_by_test_id("stDownloadButton").filter(has_text=label).click()
    return Path(dl.value.path()).read_bytes()


def choose(selectbox, typed: str) -> None:
    """Pick an option of a Streamlit selectbox by typing part of it (the list filters) and clicking it."""
    selectbox.click()
    selectbox.page.keyboard.type(typed)
    selectbox.page.get_by_role("option").filter(has_text=typed).first.click()


def test_uploader_updates_an_action_and_sees_it_in_the_downloaded_paper(browser, built_db, tmp_path):
    db = tmp_path / "plan.duckdb"
    shutil.copy(built_db, db)
    with Store(db) as store:
        load_example(store, EXAMPLE, "example", default_catalogue(), default_geography())
    settings = tmp_path / "settings.yaml"
    settings.write_text("upload:\n  local_mode: true\n", encoding="utf-8")
    env = {"CDOF_DB": str(db), "CDOF_SETTINGS": str(settings)}
    with tempfile.TemporaryFile() as log, streamlit_server("app.py", env=env, log=log) as (url, _):
        page = browser.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{url}/plan?area=E10000034")
        wait_idle(page)
        page.get_by_text("Worcestershire: delivery plan").wait_for()
        page.get_by_role("tab", name="Update an action").click()
        choose(page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Action", exact=True)), "Marketing")
        form = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Save the update"))
        # Until the rerun the pick starts has ended, the first action's form may still be drawn beside the new one
        # (and "not running" holds for a moment before the run starts): wait for the new text and the old one gone.
        updates = page.locator("textarea[aria-label='Latest update']")
        expect(updates.filter(has_text="Treatment numbers restored")).to_have_count(1)
        expect(updates.filter(has_text="Youth services have been remodelled")).to_have_count(0)
        wait_idle(page)
        expect(form).to_have_count(1)  # the previous action's form is gone ...
        expect(form.locator("textarea")).to_have_count(1)  # ... and its text box
        # The form now holds the chosen action's update.
        expect(form.get_by_label("Latest update")).to_have_value(re.compile("^Treatment numbers restored"))
        choose(form.get_by_test_id("stSelectbox"), "Off track")
        form.get_by_label("Latest update").fill(UPDATE)
        form.get_by_role("button", name="Save the update").click()
        page.get_by_text("Saved the update as revision").wait_for()
        wait_idle(page)
        expect(page.get_by_text("need the board's attention")).to_be_visible()
        screenshot(page, "plan_updated")

        page.goto(f"{url}/report?area=E10000034")
        wait_idle(page)
        page.get_by_role("button", name="Build the report").click()
        page.get_by_test_id("stDownloadButton").filter(has_text="Download Word (.docx)").wait_for(timeout=600_000)
        wait_idle(page)
        assert page.get_by_test_id("stException").count() == 0
        word = _download(page, "Download Word (.docx)")
        page.close()
    doc = Document(io.BytesIO(word))
    assert doc.paragraphs[0].text == "Drugs and Alcohol - Highlight Report"
    rows = [[c.text for c in r.cells] for t in doc.tables for r in t.rows]
    treatment = [r for r in rows if r[0].startswith("Marketing campaign and renewed emphasis")]
    # In the Treatment section's actions, exactly as typed ...
    assert [r[3] for r in treatment if len(r) == 5] == ["✕ Off track"]
    assert [r[4] for r in treatment if len(r) == 5] == [UPDATE]
    # ... in what changed since the last board and on the red list (4 columns each).
    assert [r[3] for r in treatment if len(r) == 4] == ["✕ Off track", "✕ Off track"]
