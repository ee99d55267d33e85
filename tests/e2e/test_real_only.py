"""Issue 16 in Chromium: with "Real data only" on (the default since issue 27, and ?real=true) no page shows a
demonstration value for the three focus areas; with it off (?real=false) the banner counts them and charts mark
them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, wait_idle

pytestmark = pytest.mark.browser

FOCUS = ["E10000034", "E10000025", "E06000060"]
PAGES = [
    "scorecard",
    "trends?metric=drug_misuse_deaths",
    "trends?metric=continuity_of_care",
    "compare?metric=drug_misuse_deaths",
    "profile",
    "definitions?metric=drug_misuse_deaths",
]
DEMO_WORDS = ("Demo ·", "(demonstration)", "Demonstration data", "demonstration data")


def _open(page, server, path):
    page.goto(f"{server}/{path}")
    page.get_by_test_id("stSidebarNav").get_by_text("Area profile").wait_for()
    wait_idle(page)
    page.get_by_test_id("stMainBlockContainer").get_by_role("heading").first.wait_for(timeout=90_000)


def _shown_text(page) -> str:
    """The page's text, plus every chart's trace names, texts and hovers (charts draw text in SVG or canvas)."""
    charts = page.evaluate("""() => Array.from(document.querySelectorAll('.js-plotly-plot')).flatMap(el =>
        (el.data || []).map(t => JSON.stringify([t.name, t.text, t.customdata, t.hovertext])))""")
    return page.inner_text("body") + "\n".join(charts)


@pytest.mark.parametrize("real", ["&real=true", ""])  # asked for, and by default
@pytest.mark.parametrize("area", FOCUS)
@pytest.mark.parametrize("path", PAGES)
def test_real_data_only_shows_no_demonstration_value(page, server, path, area, real):
    sep = "&" if "?" in path else "?"
    _open(page, server, f"{path}{sep}area={area}{real}")
    if path.startswith(("trends", "compare", "profile")):
        # (a chart took up to ~30 s to draw on the shared 2-core machine)
        page.wait_for_selector("[data-testid=stPlotlyChart] .main-svg", timeout=90_000)
    expect(page.get_by_test_id("stSidebar").get_by_role("switch", name="Real data only")).to_be_checked()
    assert not page.locator("[data-testid=stException]").count()
    text = _shown_text(page)
    assert not [w for w in DEMO_WORDS if w in text], path


def test_worcestershire_scorecard_marks_demonstration_then_hides_it(page, server):
    _open(page, server, "scorecard?area=E10000034&real=false")
    banner = page.get_by_text("figures on this page are demonstration data").first
    expect(banner).to_be_visible()
    page.get_by_role("heading", name="Reduce drug-related deaths and harm").scroll_into_view_if_needed()
    screenshot(page, "scorecard_worcestershire_marked")
    page.get_by_test_id("stSidebar").get_by_text("Real data only").click()
    wait_idle(page)
    expect(page.get_by_text("figures on this page are demonstration data")).to_have_count(0)
    assert "real=" not in page.url  # back to the default
    screenshot(page, "scorecard_worcestershire_real_only")
