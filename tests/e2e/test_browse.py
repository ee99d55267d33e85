"""Browser tests of the browsing pages in Debian's Chromium (Playwright)."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, wait_idle, with_demonstration

pytestmark = pytest.mark.browser


def _open(page, server, path):
    # (these tests are of what the pages draw with every figure filled: demonstration data switched on)
    page.goto(f"{server}/{with_demonstration(path)}")
    # The navigation built by dashboard.py (st.navigation) replaces the initial one once the script has run.
    page.get_by_test_id("stSidebarNav").get_by_text("Area profile").wait_for()
    wait_idle(page)


def test_scorecard_by_url_shows_oxfordshire(page, server):
    _open(page, server, "scorecard?area=E10000025")
    page.get_by_text("Oxfordshire — South East").first.wait_for()
    assert page.get_by_text("Page not found").count() == 0  # a shared /scorecard link is a real page
    assert "area=E10000025" in page.url
    assert page.get_by_text("Demonstration data.").first.is_visible()
    screenshot(page, "scorecard_oxfordshire")


def test_compare_three_bars_and_england_line(page, server):
    # 2022/23: the latest period in which Worcestershire's and England's published figures stand (issue 16: no
    # demonstration 2023/24 beside them)
    _open(page, server, "compare?period=2022%2F23")
    page.wait_for_selector("[data-testid=stPlotlyChart] .main-svg")
    info = page.evaluate("""() => {
        const el = document.querySelector('[data-testid=stPlotlyChart] .js-plotly-plot');
        const bars = el.data.filter(t => t.type === 'bar');
        return {names: bars.flatMap(t => t.y), shapes: (el.layout.shapes || []).length,
                annotations: (el.layout.annotations || []).map(a => a.text),
                drawn: el.querySelectorAll('.bars .point').length};
    }""")
    assert sorted(info["names"]) == ["Buckinghamshire", "Oxfordshire", "Worcestershire"]
    assert info["drawn"] == 3
    assert info["shapes"] >= 1 and any(a.startswith("England") for a in info["annotations"])
    assert "areas=E06000060" in page.url
    screenshot(page, "compare")


def test_compare_csv_download(page, server):
    _open(page, server, "compare?period=2022%2F23")
    page.get_by_text("Data table and downloads").click()  # the table is built when its expander is opened
    button = page.get_by_test_id("stDownloadButton").filter(has_text="Download CSV")
    button.wait_for()
    with page.expect_download() as dl:
        button.click()
    text = Path(dl.value.path()).read_text(encoding="utf-8")
    assert text.startswith("# Title: Compare areas")
    df = pd.read_csv(io.StringIO(text), comment="#")
    assert sorted(df["area_name"]) == ["Buckinghamshire", "England", "Oxfordshire", "Worcestershire"]
    assert set(df["metric_key"]) == {"continuity_of_care"}


@pytest.mark.parametrize(
    "path, name",
    [
        ("scorecard", "scorecard"),
        ("trends?metric=continuity_of_care&area=E10000034", "trends_worcestershire"),
        ("compare?metric=continuity_of_care&period=2022%2F23", "compare_2022-23"),
        ("profile", "profile"),
        ("definitions", "definitions"),
        ("definitions?metric=continuity_of_care", "definition_one"),
    ],
)
def test_screenshots(page, server, path, name):
    _open(page, server, path)
    if path.startswith(("trends", "compare", "profile")):
        page.wait_for_selector("[data-testid=stPlotlyChart] .main-svg")
    assert not page.locator("[data-testid=stException]").count()
    assert page.get_by_text("Page not found").count() == 0
    screenshot(page, name)
    charts = page.get_by_test_id("stPlotlyChart")
    if charts.count():
        charts.first.scroll_into_view_if_needed()
        expect(charts.first).to_be_in_viewport()
        screenshot(page, name + "_chart")


def test_trends_shows_published_figures(page, server):
    _open(page, server, "trends?metric=continuity_of_care&area=E10000034")
    page.wait_for_selector("[data-testid=stPlotlyChart] .main-svg")
    y = page.evaluate("""() => {
        const el = document.querySelector('[data-testid=stPlotlyChart] .js-plotly-plot');
        const t = el.data.find(d => d.name === 'Worcestershire');
        return t.y[t.x.indexOf('2022/23')];
    }""")
    assert round(y, 1) == 51.7
