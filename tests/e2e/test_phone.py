"""Issue 27, item 12 in Chromium: the pages read on a phone (390 x 844)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, wait_idle, with_demonstration

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _open(page, server, path, viewport):
    page.set_viewport_size(viewport)
    page.set_default_timeout(120_000)
    page.goto(f"{server}/{with_demonstration(path)}")
    page.get_by_test_id("stSidebarNav").get_by_text("Area profile").wait_for(state="attached")
    wait_idle(page, timeout=120_000)
    expect(page.get_by_test_id("stMainBlockContainer").get_by_role("heading").first).to_be_visible()
    assert not page.locator("[data-testid=stException]").count()


def _boxes(page, selector: str) -> list[dict]:
    return page.evaluate(
        """(sel) => [...document.querySelectorAll(sel)].map(e => {
            const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height,
                                                       text: e.textContent}; })""",
        selector,
    )


def _overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]
    )


@pytest.mark.parametrize(
    "path",
    [
        "trends?metric=continuity_of_care&area=E10000034",
        "compare?metric=continuity_of_care&period=2022%2F23",
        "compare-indicators?period=2022%2F23",
    ],
)
def test_on_a_phone_chart_titles_are_whole_and_no_legend_covers_them(page, server, path):
    _open(page, server, path, PHONE)
    page.wait_for_selector("[data-testid=stPlotlyChart] .main-svg")
    chart = _boxes(page, "[data-testid=stPlotlyChart] .js-plotly-plot")[0]
    title_lines = _boxes(page, "[data-testid=stPlotlyChart] .gtitle")
    assert title_lines
    for line in title_lines:
        assert line["x"] + line["w"] <= chart["x"] + chart["w"] + 1, line["text"]  # not cut at the right edge
    for legend in _boxes(page, "[data-testid=stPlotlyChart] .legend"):
        assert not any(_overlap(legend, line) for line in title_lines)
    screenshot(page, "phone_" + path.split("?")[0])


def test_on_a_phone_the_focus_areas_labels_do_not_overlap(page, server):
    _open(page, server, "map?metric=continuity_of_care&period=2022%2F23", PHONE)
    page.wait_for_selector("[data-testid=stPlotlyChart] .main-svg")
    # the map draws once its boundaries have been fetched (they are named by URL, not sent in the figure)
    expect(page.locator("[data-testid=stPlotlyChart] .choroplethlocation")).to_have_count(153, timeout=60_000)
    expect(page.locator("[data-testid=stPlotlyChart] .scattergeo text").first).to_be_visible()
    labels = [b for b in _boxes(page, "[data-testid=stPlotlyChart] .scattergeo text") if b["text"]]
    assert sorted(b["text"] for b in labels) == ["Buckinghamshire", "Oxfordshire", "Worcestershire"]
    for n, a in enumerate(labels):
        for b in labels[n + 1 :]:
            assert not _overlap(a, b), (a["text"], b["text"])
    screenshot(page, "phone_map")


def test_on_a_phone_the_scorecard_folds_and_jumps_to_an_outcome(page, server):
    _open(page, server, "scorecard?area=E10000034", PHONE)
    tables = page.locator("table.cdof-summary")
    expect(tables).to_have_count(6)
    for i in range(6):  # measured once every outcome's table is drawn
        expect(tables.nth(i)).to_be_visible()
    height = page.evaluate("() => document.querySelector('[data-testid=stMainBlockContainer]').scrollHeight")
    folds = page.get_by_test_id("stExpander").locator("summary")
    n = folds.count()
    assert n == 6
    for i in range(n):
        folds.nth(i).click()
    for i in range(6):  # ... and again once every one is folded away
        expect(tables.nth(i)).to_be_hidden()
    folded = page.evaluate("() => document.querySelector('[data-testid=stMainBlockContainer]').scrollHeight")
    # every outcome's table hidden: the page loses more than 40% of its length (the several-areas table stays)
    assert folded < height * 0.6, (height, folded)
    link = page.get_by_role("link", name="Improve recovery outcomes")
    href = link.get_attribute("href")
    assert href and href.endswith("#improve-recovery-outcomes")
    assert page.locator("#improve-recovery-outcomes").count() == 1  # the heading it jumps to
    screenshot(page, "phone_scorecard_folded")
