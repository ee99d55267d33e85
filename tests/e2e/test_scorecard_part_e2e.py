"""The scorecard's area part reruns alone (st.fragment) when a selection in it changes: in Chromium, the URL must still
carry the choice (a shared link opens on it) and the sidebar's switch must still rerun the whole page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import wait_idle, with_demonstration

pytestmark = pytest.mark.browser

WORCESTERSHIRE = "Worcestershire — West Midlands"
OXFORDSHIRE = "Oxfordshire — South East"


def _open(page, url):
    page.goto(url)
    page.get_by_test_id("stSidebarNav").get_by_text("Area profile").wait_for()
    wait_idle(page)


def _choose_area(page, typed: str, option: str) -> None:
    picker = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Area (type to search)", exact=True))
    picker.click()
    page.keyboard.type(typed)
    page.get_by_role("option", name=option, exact=True).click()


def test_a_change_of_area_keeps_the_url_and_a_shared_link_opens_on_it(page, server, browser):
    _open(page, f"{server}/{with_demonstration('scorecard?area=E10000034')}")
    expect(page.get_by_role("heading", name=WORCESTERSHIRE)).to_be_visible()
    rug = page.get_by_test_id("stMultiSelect").filter(has_text="Areas for the overview")
    chosen_before = rug.inner_text()

    _choose_area(page, "Oxfordshire", OXFORDSHIRE)
    expect(page.get_by_role("heading", name=OXFORDSHIRE)).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]area=E10000025(&|$)"))
    expect(page.get_by_role("heading", name=WORCESTERSHIRE)).to_have_count(0)
    # the rest of the page stands: the several-areas table keeps its areas, the demonstration banner is there
    assert rug.inner_text() == chosen_before
    expect(page.get_by_text("Demonstration data:").first).to_be_visible()
    expect(page.get_by_text("Download CSV")).to_have_count(1)

    # A benchmark chosen after it is in the URL too, beside the area.
    page.get_by_test_id("stRadio").get_by_text("Region", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]benchmark=Region(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]area=E10000025(&|$)"))
    expect(page.get_by_text("Compared with Region").first).to_be_visible()

    # So is the switch to every column, and the tables it brings are drawn.
    page.get_by_text("Show every column", exact=False).click()
    expect(page).to_have_url(re.compile(r"[?&]details=true(&|$)"))
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    expect(page.locator("table.cdof-summary")).to_have_count(0)

    shared = browser.new_page()
    try:
        _open(shared, page.url)
        expect(shared.get_by_role("heading", name=OXFORDSHIRE)).to_be_visible()
        expect(shared.get_by_text("Compared with Region").first).to_be_visible()
        expect(shared.get_by_role("switch", name=re.compile("^Show every column"))).to_be_checked()
    finally:
        shared.close()


def test_the_sidebar_switch_still_reruns_the_whole_page_after_a_change_of_area(page, server):
    _open(page, f"{server}/{with_demonstration('scorecard?area=E10000034')}")
    # ("not running" also holds before the first run starts: the part's heading says it has run)
    expect(page.get_by_role("heading", name=WORCESTERSHIRE)).to_be_visible()
    wait_idle(page)
    _choose_area(page, "Oxfordshire", OXFORDSHIRE)
    expect(page.get_by_role("heading", name=OXFORDSHIRE)).to_be_visible()
    expect(page.get_by_text("Demonstration data:").first).to_be_visible()

    page.get_by_test_id("stSidebar").get_by_text("Real data only").click()
    # The banner sits in the area part: it goes only if the whole page ran again, the area kept.
    expect(page.get_by_text("Demonstration data:")).to_have_count(0)
    expect(page).not_to_have_url(re.compile(r"[?&]real=false"))
    expect(page).to_have_url(re.compile(r"[?&]area=E10000025(&|$)"))
    expect(page.get_by_role("heading", name=OXFORDSHIRE)).to_be_visible()
