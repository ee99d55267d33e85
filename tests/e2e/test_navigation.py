"""Issue 27, item 14: every page's own path works as a link (no "Page not found"), the home page's too."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import wait_idle

pytestmark = pytest.mark.browser


def _open(page, url):
    page.goto(url)
    page.get_by_test_id("stSidebarNav").get_by_text("Area profile").wait_for()
    wait_idle(page)
    page.get_by_test_id("stMainBlockContainer").get_by_role("heading").first.wait_for(timeout=90_000)


@pytest.mark.parametrize("path", ["home", "scorecard", ""])
def test_the_home_page_by_each_of_its_paths_opens_the_area(page, server, path):
    _open(page, f"{server}/{path}?area=E10000034")
    expect(page.get_by_text("Worcestershire — West Midlands").first).to_be_visible()
    assert page.get_by_text("Page not found").count() == 0
    assert page.get_by_role("heading", name="Area scorecard").count() == 1


def test_every_link_of_the_menu_opens_its_page(page, server):
    _open(page, f"{server}/")
    links = page.get_by_test_id("stSidebarNav").get_by_role("link")
    targets = [(links.nth(n).inner_text().strip(), links.nth(n).get_attribute("href")) for n in range(links.count())]
    assert len(targets) >= 9  # every page but Upload (uploaders only)
    for title, href in targets:
        url = href if href.startswith("http") else f"{server}/{href.lstrip('/')}"
        sep = "&" if "?" in url else "?"
        _open(page, f"{url}{sep}area=E10000034")
        assert page.get_by_text("Page not found").count() == 0, (title, href)
        expect(page.get_by_test_id("stMainBlockContainer").get_by_role("heading").first).to_be_visible()
