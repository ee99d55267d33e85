"""Issue 15 in Chromium at 1366x900: Compare with 4, 7 and 20 areas, the CDP scorecard, Trends of a count, the
preview of a source-only change and the rollback confirmation."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from metrics.areas import default_geography
from tests.support.browser import streamlit_server

from .conftest import screenshot, wait_idle, with_demonstration

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1366, "height": 900}
SOURCE_ONLY = (
    "metric_key,area_code,period,breakdown,value,lower95,upper95,count,denominator,source\n"
    "unmet_need_ocu,E10000034,2018/19,Total,54.61674677,40.64516129,64.13076077,1439.333333,"
    "2635.333333,Re-issued by the county's analyst\n"
)


def _open(page, url: str) -> None:
    page.set_viewport_size(VIEWPORT)
    # (these tests are of what the pages draw with every figure filled: demonstration data switched on)
    page.goto(with_demonstration(url))
    page.get_by_test_id("stSidebarNav").get_by_text("Area profile").wait_for()
    wait_idle(page)


@pytest.mark.parametrize("n", [4, 7, 20])
def test_compare_small_multiples_with_n_areas(page, server, n):
    codes = sorted(c for c, a in default_geography().areas.items() if a.level == "utla")[:n]
    # trends=true: the expander "Trends of the same areas" open, as a click leaves it in the URL.
    _open(page, f"{server}/compare?metric=continuity_of_care&trends=true&" + "&".join(f"areas={c}" for c in codes))
    charts = page.locator("[data-testid=stPlotlyChart] .js-plotly-plot")
    expect(charts).to_have_count(2, timeout=120_000)  # 20 panels take a while on a loaded machine
    wait_idle(page)
    assert page.locator("[data-testid=stException]").count() == 0
    drawn = page.evaluate("""() => {
        const el = document.querySelectorAll('[data-testid=stPlotlyChart] .js-plotly-plot')[1];
        return {areas: el.data.filter(t => t.name.startsWith('Area')).length,
                panels: el.querySelectorAll('.cartesianlayer > .subplot').length};
    }""")
    assert drawn == {"areas": n, "panels": n}
    screenshot(page, f"compare_multiples_{n}")


def test_cdp_scorecard_and_trends_of_a_count(page, server):
    _open(page, f"{server}/scorecard?area=CDP0001")
    page.get_by_text("Herefordshire and Worcestershire CDP").first.wait_for(timeout=120_000)
    expect(page.get_by_text("CDP footprint made of").first).to_be_visible()
    assert page.locator("[data-testid=stException]").count() == 0
    screenshot(page, "scorecard_cdp")
    _open(page, f"{server}/trends?metric=numbers_in_treatment&area=E10000034")
    page.wait_for_selector("[data-testid=stPlotlyChart] .main-svg")
    axes = page.evaluate("""() => {
        const el = document.querySelector('[data-testid=stPlotlyChart] .js-plotly-plot');
        return el.data.map(t => [t.name, t.yaxis || 'y']);
    }""")
    assert axes == [["Worcestershire", "y"], ["England", "y2"], ["West Midlands (demonstration)", "y3"]]
    screenshot(page, "trends_numbers_in_treatment")


@contextlib.contextmanager
def _uploader_server(db: Path, tmp_path: Path):
    settings = tmp_path / "settings.yaml"
    settings.write_text("upload:\n  local_mode: true\n  max_upload_mb: 5\n", encoding="utf-8")
    with (
        tempfile.TemporaryFile() as log,
        streamlit_server("app.py", env={"CDOF_DB": str(db), "CDOF_SETTINGS": str(settings)}, log=log) as (url, _),
    ):
        yield url


def test_source_only_preview_and_rollback_confirmation(browser, built_db, tmp_path):
    db = tmp_path / "store.duckdb"
    shutil.copy(built_db, db)
    upload = tmp_path / "source_only.csv"
    upload.write_text(SOURCE_ONLY, encoding="utf-8")
    with _uploader_server(db, tmp_path) as url:
        page = browser.new_page()
        page.set_viewport_size(VIEWPORT)
        page.goto(f"{url}/upload")
        wait_idle(page)
        page.get_by_text("Upload data").first.wait_for()
        page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(upload))
        page.get_by_text("No problems found.").wait_for()
        wait_idle(page)
        expect(page.locator("[data-testid=stMetricValue]")).to_have_count(4)
        labels = page.locator("[data-testid=stMetricLabel]").all_inner_texts()
        values = page.locator("[data-testid=stMetricValue]").all_inner_texts()
        assert dict(zip(labels, values)) == {"New": "0", "Changed": "0", "Description changed": "1", "Unchanged": "0"}
        screenshot(page, "upload_preview_source_only")
        page.get_by_role("button", name="Commit 1 rows").click()
        page.get_by_text("Committed as revision 6").wait_for()
        wait_idle(page)
        expect(page.get_by_role("button", name="Commit 1 rows")).to_have_count(0)
        page.get_by_role("button", name="Roll back ...").click()
        page.get_by_text("Roll back revision 6 (Upload of source_only.csv (template))?").wait_for()
        wait_idle(page)
        screenshot(page, "rollback_confirmation")
        page.get_by_role("button", name="Confirm: roll back revision 6").click()
        page.get_by_text("Rolled back revision 6 as revision 7").wait_for()
        assert page.locator("[data-testid=stException]").count() == 0
        page.close()
