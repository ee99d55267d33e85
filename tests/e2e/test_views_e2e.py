"""Browser tests of the map, inequalities, compare-indicators and area-group views (issue 18) in Debian's Chromium,
for Worcestershire, Oxfordshire, Buckinghamshire and the joint Herefordshire and Worcestershire CDP; and an
accessibility check (axe-core) over every page."""

from __future__ import annotations

import shutil
import time

import pytest
from playwright.sync_api import expect

from metrics.areas import default_geography
from tests.e2e.conftest import ARTIFACTS, screenshot, wait_idle, with_demonstration
from tests.support.browser import serious_accessibility_violations, streamlit_server

pytestmark = pytest.mark.browser

AREAS = {
    "E10000034": "Worcestershire",
    "E10000025": "Oxfordshire",
    "E06000060": "Buckinghamshire",
    "CDP0001": "Herefordshire and Worcestershire CDP",
}


@pytest.fixture(scope="module")
def server(built_db, tmp_path_factory):
    """The dashboard on a copy of the built database with breakdowns (the inequalities page needs some)."""
    from tests.support.breakdowns import add_breakdowns

    work = tmp_path_factory.mktemp("views")
    db = work / "views.duckdb"
    shutil.copy(built_db, db)
    add_breakdowns(db, work)
    ARTIFACTS.mkdir(exist_ok=True)
    with (
        open(ARTIFACTS / "server_views.log", "w+b") as log,
        streamlit_server("app.py", env={"CDOF_DB": str(db)}, log=log) as (url, _),
    ):
        yield url


def _idle(page) -> None:
    """conftest's wait_idle with room for a loaded machine (a page's first draw has taken over 30 s there); the
    page's heading is awaited too, since "not running" also holds for a moment before a script starts."""
    wait_idle(page, timeout=120_000)
    expect(page.get_by_role("heading").first).to_be_visible(timeout=120_000)
    wait_idle(page, timeout=120_000)


def _open(page, server, path):
    page.set_default_timeout(120_000)
    # (these tests are of what the pages draw with every figure filled: demonstration data switched on)
    page.goto(f"{server}/{with_demonstration(path)}")
    page.get_by_test_id("stSidebarNav").get_by_text("Area profile").wait_for()
    _idle(page)
    assert not page.locator("[data-testid=stException]").count()
    assert page.get_by_text("Page not found").count() == 0


def _legend(page) -> list[str]:
    return page.evaluate("() => [...document.querySelectorAll('.legendtext')].map(e => e.textContent)")


def _wait_map(page):
    page.wait_for_function("() => document.querySelectorAll('.choroplethlocation').length === 153")


_POINT_IN_AREA = """(code) => {
    // A point of the page inside the area's shape, not covered by anything else (labels, the footprint outline).
    const path = [...document.querySelectorAll('.choroplethlocation')].find(p => p.__data__ && p.__data__.loc === code);
    if (!path) return null;
    path.scrollIntoView({block: 'center'});
    const box = path.getBoundingClientRect(), svg = path.ownerSVGElement, m = path.getScreenCTM().inverse();
    for (let i = 1; i < 20; i++) for (let j = 1; j < 20; j++) {
        const x = box.left + box.width * i / 20, y = box.top + box.height * j / 20;
        // well inside: the point and four others 8 px around it (a point on a border may hover the neighbour)
        const inside = [[0, 0], [8, 0], [-8, 0], [0, 8], [0, -8]].every(([dx, dy]) =>
            path.isPointInFill(new DOMPoint(x + dx, y + dy).matrixTransform(m)));
        if (inside) {
            const top = document.elementFromPoint(x, y);
            if (top && (top === path || top.closest('.geo') || top.classList.contains('nsewdrag'))) return [x, y];
        }
    }
    return null;
}"""


@pytest.mark.parametrize("code", ["E10000034", "E10000025", "E06000060"])
def test_map_click_opens_the_scorecard_with_no_network(page, server, offline, code):
    _open(page, server, "map?metric=continuity_of_care")
    _wait_map(page)
    assert page.get_by_text("Contains OS data © Crown copyright").first.is_visible()
    legend = _legend(page)
    assert any(t.startswith(("Better (", "Similar (", "Worse (")) for t in legend)
    assert "Joint CDP: Herefordshire and Worcestershire CDP" in legend
    point = page.evaluate(_POINT_IN_AREA, code)
    assert point, f"no clickable point inside {code}"
    # Plotly takes a click from what the pointer hovers: hover first, as a person does, and read the label.
    page.mouse.move(*point)
    page.wait_for_function(
        "(name) => [...document.querySelectorAll('.hoverlayer .hovertext')].some(h => h.textContent.startsWith(name))",
        arg=AREAS[code],
        timeout=60_000,
    )
    assert "95% CI:" in page.locator(".hoverlayer .hovertext").first.text_content()
    page.mouse.click(*point)
    page.wait_for_function(
        "(code) => location.pathname.endsWith('/scorecard') && location.search.includes('area=' + code)",
        arg=code,
        timeout=60_000,
    )
    page.get_by_text(f"{AREAS[code]} — ").first.wait_for()
    _idle(page)
    assert not page.locator("[data-testid=stException]").count()


def test_map_list_opens_the_footprints_scorecard_with_no_network(page, server, offline):
    _open(page, server, "map?metric=continuity_of_care")
    _wait_map(page)
    screenshot(page, "map_1280")
    link = page.get_by_role("link", name="Open the scorecard of Herefordshire and Worcestershire CDP")
    assert link.get_attribute("href").endswith("scorecard?area=CDP0001")
    link.focus()  # a keyboard user: the link takes the focus and Enter follows it (Streamlit opens a new tab)
    with page.context.expect_page() as opened:
        page.keyboard.press("Enter")
    scorecard = opened.value
    scorecard.get_by_text("Herefordshire and Worcestershire CDP — CDP footprint (joint)").first.wait_for()
    assert "area=CDP0001" in scorecard.url
    scorecard.close()


def test_map_of_regions_draws_with_no_network(page, server, offline):
    _open(page, server, "map?metric=numbers_in_treatment&level=Regions")
    page.wait_for_function("() => document.querySelectorAll('.choroplethlocation').length === 9")
    assert any(t.startswith("Lowest fifth") for t in _legend(page))


def test_map_draws_every_area_from_the_served_boundaries_fetched_once(page, server, offline):
    """The map's figure names its boundaries by URL, one per trace: the browser fetches each from the app once, and
    a change of selection redraws every area without sending or fetching the shapes again."""
    fetched: list[tuple[str, int]] = []
    page.on("response", lambda r: fetched.append((r.url, r.status)) if "/app/static/boundaries/" in r.url else None)
    _open(page, server, "map?metric=continuity_of_care&period=2022%2F23")
    areas = page.locator("[data-testid=stPlotlyChart] .choroplethlocation")
    expect(areas).to_have_count(153, timeout=120_000)
    named_js = """() => document.querySelector('[data-testid=stPlotlyChart] .js-plotly-plot').data
                  .filter(t => t.type === 'choropleth')
                  .map(t => typeof t.geojson === 'string' ? t.geojson : 'inline')"""
    named = page.evaluate(named_js)
    assert len(named) > 1 and len(set(named)) == len(named), named
    assert all(n.startswith("app/static/boundaries/upper_tier_authorities.geojson?v=") for n in named), named
    # (304: the browser kept the file from an earlier page of this browser and the app confirmed it unchanged)
    assert sorted(url for url, _ in fetched) == sorted(f"{server}/{n}" for n in named), fetched
    assert all(status in (200, 304) for _, status in fetched), fetched
    # every authority is drawn, each once
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('.choroplethlocation')].map(p => p.__data__ && p.__data__.loc)"
    )
    assert sorted(drawn) == sorted(a.code for a in default_geography().utlas()), drawn

    period = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Period", exact=True))
    period.click()
    page.get_by_role("option", name="2021/22", exact=True).click()
    page.wait_for_function(
        """() => document.querySelector('[data-testid=stPlotlyChart] .js-plotly-plot').data
                 .some(t => t.type === 'choropleth' && t.customdata[0][3] === '2021/22')""",
        timeout=120_000,
    )
    _idle(page)
    expect(areas).to_have_count(153)
    # a URL already fetched is not fetched again (a trace the first map did not have fetches its own once)
    urls = [url for url, _ in fetched]
    assert len(urls) == len(set(urls)), fetched
    assert set(urls) == {f"{server}/{n}" for n in set(named) | set(page.evaluate(named_js))}, fetched


@pytest.mark.parametrize("code", list(AREAS))
def test_inequalities_for_each_area(page, server, code):
    _open(page, server, f"inequalities?metric=continuity_of_care&area={code}")
    name = AREAS[code]
    titles_js = """() => [...document.querySelectorAll('[data-testid=stPlotlyChart] .js-plotly-plot')]
                         .map(el => el.layout && el.layout.title ? el.layout.title.text : '')"""
    page.wait_for_function(f"() => ({titles_js})().filter(t => t.includes(', ' + {name!r})).length >= 4")
    titles = page.evaluate(titles_js)
    assert [t for t in titles if f"<br>by sex, {name}," in t]
    assert [t for t in titles if f"<br>by deprivation, {name}," in t]
    assert [t for t in titles if "over time" in t]
    page.get_by_text("compared with England's Male").first.wait_for()  # the chart in words beneath it


@pytest.mark.parametrize("code", list(AREAS))
def test_compare_indicators_for_each_area(page, server, code):
    _open(page, server, f"compare-indicators?areas={code}")
    page.wait_for_selector("[data-testid=stPlotlyChart] .main-svg")
    chosen = page.evaluate("""() => {
        const el = document.querySelector('[data-testid=stPlotlyChart] .js-plotly-plot');
        const t = el.data.find(d => d.name.startsWith('Chosen areas')); return t ? t.text : [];
    }""")
    expected = ["Herefordshire, County of", "Worcestershire"] if code == "CDP0001" else [AREAS[code]]
    assert sorted(chosen) == [f"{name} (demonstration)" for name in expected]
    # no correlation from demonstration values (issue 27): said, not computed
    assert page.get_by_text("demonstration data (not real) and are left out").first.is_visible()
    assert page.get_by_text("Pearson's r =").count() == 0


def test_compare_fills_with_a_region_and_shows_an_own_group(page, server):
    _open(page, server, "compare?metric=continuity_of_care&period=2023%2F24")
    page.get_by_role("radio", name="West Midlands", exact=True).click()  # a pill is a radio button
    page.wait_for_function("""() => {
        const el = document.querySelector('[data-testid=stPlotlyChart] .js-plotly-plot');
        return el && el.data.filter(t => t.type === 'bar').flatMap(t => t.y).length === 14; }""")
    assert "areas=E10000034" in page.url
    _open(
        page,
        server,
        "compare?metric=continuity_of_care&period=2023%2F24&group_open=true"
        "&group=E06000019&group=E10000034&group_name=Our+partnership",
    )
    page.wait_for_function("""() => {
        const el = document.querySelector('[data-testid=stPlotlyChart] .js-plotly-plot');
        return el && el.data.some(t => t.type === 'bar' && t.y.includes('Our partnership (your group)')); }""")


PAGES = [
    "",
    "scorecard?area=CDP0001",
    "trends?area=E10000034",
    "compare",
    "profile?area=E10000025",
    "map",
    "inequalities?area=E10000034",
    "compare-indicators",
    "definitions",
    "plan?area=E10000034",
    "report?area=E10000034",
]  # the upload page, shown to uploaders only, is checked in test_upload_e2e


@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violations(page, server, path):
    """axe-core's WCAG 2.0/2.1 A and AA rules over the page as drawn: no serious or critical violation."""
    _open(page, server, path)
    page.wait_for_function("""() => !document.querySelector('[data-testid=stSkeleton]')
        && [...document.querySelectorAll('[data-testid=stPlotlyChart]')].every(c => c.querySelector('.main-svg'))""")
    bad = serious_accessibility_violations(page)
    assert bad == [], bad
    charts = page.locator("[data-testid=stPlotlyChart]")
    for i in range(charts.count()):  # every chart is a figure with an accessible name of its own
        role, label = charts.nth(i).evaluate("c => [c.getAttribute('role'), c.getAttribute('aria-label') || '']")
        assert role == "figure" and len(label.strip()) > 20, f"chart {i} on /{path} has no accessible name"


def test_map_draws_every_area_when_its_boundaries_arrive_slowly(page, server, offline):
    """A busy server or a slow line: the boundaries arriving after plotly.js's 5-second wait for a shared URL still
    draw every area (each trace fetches its own URL and waits for it however long it takes)."""
    slowed: list[str] = []

    def slow(route):
        slowed.append(route.request.url)
        if len(slowed) == 1:
            time.sleep(6)
        route.continue_()

    page.route("**/app/static/boundaries/**", slow)
    _open(page, server, "map?metric=continuity_of_care&period=2020%2F21")
    expect(page.locator("[data-testid=stPlotlyChart] .choroplethlocation")).to_have_count(153, timeout=120_000)
    assert len(slowed) > 1, slowed
