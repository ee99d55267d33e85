"""Trends and Compare redraw only the part of the page their pickers drive (pages.common.page_part, an st.fragment):
in Debian's Chromium, a change made there still reaches the page's address, so the link opens what was chosen, and
the sidebar's switch still reruns the whole page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from metrics.catalogue import default_catalogue
from tests.e2e.conftest import wait_idle, with_demonstration

pytestmark = pytest.mark.browser


def _open(page, url: str) -> None:
    page.goto(url)
    page.get_by_test_id("stSidebarNav").get_by_text("Area profile").wait_for()
    # "not running" also holds before the first run starts: wait for the part's own heading, then for the run's end
    _subheader(page).first.wait_for()
    wait_idle(page)


def _selectbox(page, label: str):
    return page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(label, exact=True))


def _choose(page, label: str, typed: str, option: str) -> None:
    """Pick an option of a selectbox by typing part of it and clicking the option, as a person would."""
    _selectbox(page, label).click()
    page.keyboard.type(typed)
    page.get_by_role("option", name=option, exact=True).click()


def _metric_option(key: str) -> tuple[str, str]:
    """What to type to find an indicator in the picker, and its option's text (pages.common.metric_label)."""
    cat = default_catalogue()
    ind = cat.get(key)
    return ind.short_name, f"{ind.short_name} ({ind.unit}) — {cat.outcome_name(ind.outcome)}"


def _subheader(page):
    return page.get_by_test_id("stHeading").filter(has=page.locator("h3"))


def test_trends_choices_reach_the_address_and_the_link_opens_them(page, server):
    _open(page, f"{server}/{with_demonstration('trends?metric=continuity_of_care&area=E10000034')}")
    typed, option = _metric_option("drug_misuse_deaths")
    _choose(page, "Indicator (type to search)", typed, option)
    expect(page).to_have_url(re.compile(r"[?&]metric=drug_misuse_deaths(&|$)"))
    _choose(page, "Area (type to search)", "Oxfordshire", "Oxfordshire — South East")
    expect(page).to_have_url(re.compile(r"[?&]area=E10000025(&|$)"))
    page.get_by_test_id("stCheckbox").filter(has_text="Show the region").click()
    expect(page).to_have_url(re.compile(r"[?&]region=false(&|$)"))
    expect(_subheader(page)).to_contain_text(f"{typed} (")
    expect(_subheader(page)).to_contain_text("Oxfordshire")
    # The header drawn by the first run stays.
    expect(page.get_by_test_id("stHeading").filter(has_text="Trends").first).to_be_visible()

    link = page.url
    shared = page.context.new_page()
    try:
        _open(shared, link)
        expect(_subheader(shared)).to_contain_text(f"{typed} (")
        expect(_subheader(shared)).to_contain_text("Oxfordshire")
        expect(
            shared.get_by_test_id("stCheckbox").filter(has_text="Show the region").locator("input")
        ).not_to_be_checked()
        shared.wait_for_selector("[data-testid=stPlotlyChart] .main-svg")
        names = shared.evaluate(
            "() => document.querySelector('[data-testid=stPlotlyChart] .js-plotly-plot').data.map(t => t.name)"
        )
        assert names and all(not n.startswith("South East") for n in names), names
    finally:
        shared.close()


def test_trends_stopped_part_is_redrawn_by_the_next_choice(page, server):
    # Real data only (the default): OCU prevalence has no real figure for Worcestershire or England, so the part
    # stops after saying so; choosing an indicator with figures draws the chart in its place, and back again.
    _open(page, f"{server}/trends?metric=ocu_prevalence&area=E10000034")
    no_data = page.get_by_text("No published data loaded for this indicator")
    expect(no_data).to_be_visible()
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(0)
    typed, option = _metric_option("continuity_of_care")
    _choose(page, "Indicator (type to search)", typed, option)
    expect(page.get_by_test_id("stPlotlyChart").locator(".main-svg").first).to_be_visible()
    expect(no_data).to_have_count(0)
    typed, option = _metric_option("ocu_prevalence")
    _choose(page, "Indicator (type to search)", typed, option)
    expect(no_data).to_be_visible()
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"[?&]metric=ocu_prevalence(&|$)"))


def test_sidebar_switch_reruns_the_whole_page_and_keeps_the_choice(page, server):
    _open(page, f"{server}/{with_demonstration('trends?metric=continuity_of_care&area=E10000034')}")
    # (an indicator whose Worcestershire figures are all demonstration values, so the banner is this run's own)
    typed, option = _metric_option("successful_completion_drugs")
    _choose(page, "Indicator (type to search)", typed, option)
    expect(page).to_have_url(re.compile(r"[?&]metric=successful_completion_drugs(&|$)"))
    expect(_subheader(page)).to_contain_text(f"{typed} (")
    banner = page.get_by_text("Demonstration data:")
    expect(banner.first).to_be_visible()
    page.get_by_test_id("stSidebar").get_by_text("Real data only").click()
    expect(page).not_to_have_url(re.compile(r"[?&]real="))
    expect(banner).to_have_count(0)
    expect(page.get_by_test_id("stSidebar").get_by_text("Demonstration data shown")).to_have_count(0)
    expect(_subheader(page)).to_contain_text(f"{typed} (")
    expect(page).to_have_url(re.compile(r"[?&]metric=successful_completion_drugs(&|$)"))


def test_compare_choices_reach_the_address_and_the_link_opens_them(page, server):
    _open(page, f"{server}/{with_demonstration('compare?metric=continuity_of_care')}")
    typed, option = _metric_option("drug_misuse_deaths")
    _choose(page, "Indicator (type to search)", typed, option)
    expect(page).to_have_url(re.compile(r"[?&]metric=drug_misuse_deaths(&|$)"))
    expect(_subheader(page)).to_contain_text(f"{typed} (")
    period = _selectbox(page, "Period")
    period.click()
    options = page.get_by_role("option")
    options.first.wait_for()
    shown = period.get_by_role("combobox").input_value()
    other = next(o.strip() for o in options.all_inner_texts() if o.strip() != shown)
    page.get_by_role("option", name=other, exact=True).click()
    expect(period.get_by_role("combobox")).to_have_value(other)
    page.get_by_test_id("stRadio").get_by_text("Name", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]sort=Name(&|$)"))
    assert "period=" in page.url

    link = page.url
    shared = page.context.new_page()
    try:
        _open(shared, link)
        expect(_subheader(shared)).to_contain_text(f"{typed} (")
        expect(_selectbox(shared, "Period").get_by_role("combobox")).to_have_value(other)
        expect(shared.get_by_test_id("stRadio").locator("input").nth(1)).to_be_checked()
    finally:
        shared.close()
