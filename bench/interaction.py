"""Time from changing a selection to the page drawn again, in headless Chromium, per page and selection (Trends:
area, indicator, period; Compare and Map: indicator, period; the scorecard: area), against the bare page's rerun
after a change of its selectbox (bench/bare_rerun_app.py), each change beside a bare one in the same time window.

The timer starts just before the click that picks the option (the list already open and filtered, the pointer on
the option) and stops when a chart has drawn the new data and the page has settled (bench.browser). Each option is
one the page has not shown before in that session, so the server runs the page's queries for it (its cache is
warm from other pages only). Demonstration values are shown (?real=false): every choice then draws a full chart.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from bench.browser import wait_until_drawn, wait_until_redrawn, watch_for_change
from bench.results import Result, median, pair_ratios
from metrics import presentation
from metrics.areas import ENGLAND_CODE, default_geography
from metrics.catalogue import default_catalogue
from metrics.store import Store
from tests.support.browser import chromium, streamlit_server

AREA = "E06000060"
METRIC = "continuity_of_care"
BARE_LABEL = "Series"
TIMEOUT_MS = 180_000


@dataclass(frozen=True)
class Choice:
    """An option of a selectbox: what to type to find it, its text in the list, and the URL parameter it sets."""

    typed: str
    option: str
    param: str
    value: str


@dataclass(frozen=True)
class Interaction:
    """Changes of one selection on one page: `choices` of a selectbox, or, with `radio`, the other option of a
    radio each time."""

    page: str
    what: str
    path: str
    label: str
    choices: tuple[Choice, ...] = ()
    radio: bool = False


def _metric_label(key: str) -> str:
    """The indicator's text in the pickers (pages.common.metric_label)."""
    cat = default_catalogue()
    ind = cat.get(key)
    return f"{ind.short_name} ({ind.unit}) — {cat.outcome_name(ind.outcome)}"


def _slices(items: list, parts: int, size: int) -> list[list]:
    """`parts` runs of `size` items, each run of other items while there are enough (wrapping round after)."""
    return [[items[(p * size + i) % len(items)] for i in range(size)] for p in range(parts)]


def plan(db: Path, repeats: int) -> list[Interaction]:
    """The changes measured: for each page and selection, `repeats` options (periods: one more, since the one the
    page opens on is skipped)."""
    cat, geo = default_catalogue(), default_geography()
    metrics = [i.key for i in cat.ordered() if presentation.in_area_profile(i) and not i.restricted and i.key != METRIC]
    # Every seventh authority, so that the areas are spread over the regions.
    utlas = sorted(a.code for a in geo.utlas() if a.code != AREA)[::7]
    with Store(db, read_only=True) as store:
        periods = store.periods_for_metric(METRIC)
        # Trends offers a choice of periods only for a series stored in more than one kind (years and quarters).
        mixed = next(
            (
                key
                for key in [METRIC] + [i.key for i in cat.ordered() if not i.restricted]
                if store.series(key, [AREA, ENGLAND_CODE])["period_kind"].nunique() > 1
            ),
            None,
        )
    own_kind = cat.get(METRIC).period_kind
    own = periods.loc[periods["period_kind"] == own_kind, "period"].tolist()[: repeats + 1]

    def areas(codes):
        return tuple(Choice(geo.get(c).name, presentation.area_label(c, geo), "area", c) for c in codes)

    def indicators(keys):
        return tuple(Choice(cat.get(k).short_name, _metric_label(k), "metric", k) for k in keys)

    period_choices = tuple(Choice(p, p, "period", p) for p in own)
    trends_areas, scorecard_areas = _slices(utlas, 2, repeats)
    trends_metrics, compare_metrics, map_metrics = _slices(metrics, 3, repeats)
    trends = f"/trends?area={AREA}&metric={METRIC}&real=false"
    compare = f"/compare?metric={METRIC}&real=false"
    map_ = f"/map?metric={METRIC}&real=false"
    scorecard = f"/scorecard?area={AREA}&real=false"
    interactions = [
        Interaction("trends", "area", trends, "Area (type to search)", areas(trends_areas)),
        Interaction("trends", "indicator", trends, "Indicator (type to search)", indicators(trends_metrics)),
        Interaction("compare", "indicator", compare, "Indicator (type to search)", indicators(compare_metrics)),
        Interaction("compare", "period", compare, "Period", period_choices),
        Interaction("map", "indicator", map_, "Indicator (type to search)", indicators(map_metrics)),
        Interaction("map", "period", map_, "Period", period_choices),
        Interaction("scorecard", "area", scorecard, "Area (type to search)", areas(scorecard_areas)),
    ]
    if mixed is not None:
        trends_mixed = f"/trends?area={AREA}&metric={mixed}&real=false"
        interactions.insert(2, Interaction("trends", "period", trends_mixed, "Periods", radio=True))
    else:
        print(f"interaction: no indicator has two kinds of period for {AREA}: Trends offers none", file=sys.stderr)
    return interactions


def _selectbox(page, label: str):
    return page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(label, exact=True))


def _shown(page, label: str) -> str:
    """The option a selectbox shows (the text of its combobox)."""
    return _selectbox(page, label).get_by_role("combobox").input_value()


def _radio(page, label: str):
    return page.get_by_test_id("stRadio").filter(has=page.get_by_text(label, exact=True))


def _point_at_option(page, label: str, typed: str, option: str) -> None:
    """Open the selectbox, type to filter its list and put the pointer on the option, as a person would."""
    _selectbox(page, label).click()
    page.keyboard.type(typed)
    page.get_by_role("option", name=option, exact=True).hover()


def _timed_click(page) -> float:
    """Click where the pointer is; milliseconds until the page is drawn again."""
    watch_for_change(page)
    started = time.perf_counter()
    page.mouse.down()
    page.mouse.up()
    drawn = wait_until_redrawn(page, TIMEOUT_MS)
    if page.locator("[data-testid=stException]").count():
        raise RuntimeError(f"{page.url} shows an error after a change; not timing it")
    return (drawn - started) * 1000


def _bare_change(page, turn: int) -> float:
    """Pick another series on the bare page."""
    shown = _shown(page, BARE_LABEL)
    _selectbox(page, BARE_LABEL).click()
    options = page.get_by_role("option")
    options.first.wait_for()
    others = [o.strip() for o in options.all_inner_texts() if o.strip() != shown]
    option = others[turn % len(others)]
    page.get_by_role("option", name=option, exact=True).hover()
    elapsed = _timed_click(page)
    if _shown(page, BARE_LABEL) != option:
        raise RuntimeError(f"the bare page did not take the series {option!r}")
    return elapsed


def _choose(page, interaction: Interaction, choice: Choice) -> float:
    _point_at_option(page, interaction.label, choice.typed, choice.option)
    elapsed = _timed_click(page)
    got = parse_qs(urlparse(page.url).query).get(choice.param)
    if got != [choice.value]:
        raise RuntimeError(f"{interaction.page}: picking {choice.option!r} left ?{choice.param}={got}")
    return elapsed


def _flip_radio(page, interaction: Interaction) -> float:
    """Pick the radio's option that is not chosen."""
    options = _radio(page, interaction.label).locator("label:has(input[type=radio])")
    other = next(o for o in options.all() if not o.locator("input").is_checked())
    other.hover()
    elapsed = _timed_click(page)
    if not other.locator("input").is_checked():
        raise RuntimeError(f"{interaction.page}: the {interaction.label} option {other.inner_text()!r} was not taken")
    return elapsed


def _changes(page, interaction: Interaction, repeats: int):
    """The changes to time on the page, each a function returning its milliseconds; the option the page shows is
    skipped."""
    if interaction.radio:
        if not _radio(page, interaction.label).count():
            raise RuntimeError(f"{interaction.page} offers no {interaction.label!r} choice")
        return [lambda: _flip_radio(page, interaction)] * repeats
    shown = _shown(page, interaction.label)
    choices = [c for c in interaction.choices if c.option != shown][:repeats]
    if not choices:
        raise RuntimeError(f"{interaction.page}: no {interaction.what} to pick other than {shown!r}")
    return [lambda c=c: _choose(page, interaction, c) for c in choices]


def measure(db: Path, dataset: str, repeats: int = 5) -> list[Result]:
    """Each page and selection opened afresh in its own session, then `repeats` changes, each just after a change
    of the bare page's selectbox (both servers up for the whole run); the figures are the medians."""
    interactions = plan(db, repeats)
    results = []
    with (
        streamlit_server("bench/bare_rerun_app.py") as (bare, _),
        streamlit_server("app.py", env={"CDOF_DB": str(db)}) as (base, _),
        chromium() as context,
    ):
        bare_page = context.new_page()
        bare_page.goto(bare + "/")
        wait_until_drawn(bare_page, TIMEOUT_MS)
        turn = 0
        for interaction in interactions:
            print(f"interaction: {interaction.page}, {interaction.what} ({dataset})", file=sys.stderr)
            page = context.new_page()
            try:
                page.goto(base + interaction.path)
                wait_until_drawn(page, TIMEOUT_MS)
                if page.locator("[data-testid=stException]").count():
                    raise RuntimeError(f"{interaction.path} shows an error; not timing it")
                times, bare_times = [], []
                for change in _changes(page, interaction, repeats):
                    bare_page.bring_to_front()
                    bare_times.append(_bare_change(bare_page, turn))
                    turn += 1
                    page.bring_to_front()
                    times.append(change())
            finally:
                page.close()
            results.append(
                Result(
                    f"interaction {interaction.page}: {interaction.what}",
                    median(times),
                    median(bare_times),
                    "ms",
                    dataset,
                    target_ratio=1.2,
                    note=f"click on an option until drawn again; medians of {len(times)} changes, each beside a "
                    "change of bench/bare_rerun_app.py's selectbox" + pair_ratios(times, bare_times),
                )
            )
    return results
