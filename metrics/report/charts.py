"""The report's charts: each headline metric's trend against England (and the region), and the spine chart.

The figures are the pages' own (metrics.presentation.trend_figure, spine_figure) over the same reads; here they
are only described (figure, words drawn into the image, alt text). `submit` gives them all to one browser session
(metrics.chart_images.ChartSession), which the report's PDF is printed in too; `draw` draws them alone.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Iterator, Mapping

import pandas as pd

from metrics import presentation as pr
from metrics import stats
from metrics.areas import ENGLAND_CODE, Geography
from metrics.catalogue import Catalogue
from metrics.chart_images import ChartImage, ChartSession, figure_images
from metrics.report.model import ChartFacts, ReportModel
from metrics.vocabulary import PERIOD_KIND_WORDS_PLURAL

CHART_WIDTH = 900
SCALE = 1.5  # the PNG's pixels per px of the chart (see submit)


def _trend_chart(model: ReportModel, store, m) -> ChartFacts | None:
    ind, area = m.indicator, model.area
    codes = [area.code]
    if ind.benchmarkable:  # (a count is drawn alone: England's count is no yardstick for an area's)
        codes += [ENGLAND_CODE] if area.code != ENGLAND_CODE else []
        codes += [model.region.code] if model.region is not None else []
    rows = store.series(ind.key, codes)
    if rows.empty or rows[rows["area_code"] == area.code]["value"].notna().sum() == 0:
        return None
    # One kind of period per line (the trends page's rule): the kind of the area's latest figure.
    kind = m.latest["period_kind"] if m.latest else rows.iloc[-1]["period_kind"]
    rows = rows[rows["period_kind"] == kind]
    kinds = store.series(ind.key, [area.code])["period_kind"].nunique()
    words = "all " + PERIOD_KIND_WORDS_PLURAL.get(kind, kind) if kinds > 1 else "all periods"
    order_codes = [c for c in codes if not rows[rows["area_code"] == c].empty]
    period_order = rows.drop_duplicates("period").sort_values("period_sortable")["period"].tolist()
    fig = pr.trend_figure(rows, ind, order_codes, period_order, words)
    last = rows.sort_values("period_sortable").groupby("area_code", sort=False).tail(1)
    described = "; ".join(
        f"{r.area_name} {pr.format_value(r.value, ind.unit, r.value_note)} in {r.period}" for r in last.itertuples()
    )
    target = f" A dashed green line marks the target ({ind.target.label})." if ind.target else ""
    names = ", ".join(rows.drop_duplicates("area_code")["area_name"])
    alt = (
        f"Line chart of {ind.short_name} in {ind.unit} from {period_order[0]} to {period_order[-1]} for "
        f"{names}, with 95% confidence intervals as error bars. Latest values: {described}.{target}"
    )
    shown = pr.trend_chart_words(rows, ind, area.code, area.name, period_order)
    image = ChartImage(fig, shown.title, shown.area, shown.period, shown.source, CHART_WIDTH, 420)
    return ChartFacts(
        ind.key,
        image,
        alt,
        f"{ind.short_name}: {names}, {shown.period}.",
        bool(rows["is_demo"].fillna(False).astype(bool).any()),
    )


def _spine_chart(model: ReportModel, store, catalogue: Catalogue) -> ChartFacts | None:
    area = model.area
    ranges = pr.spine_ranges(catalogue.ordered(), store.latest_level_values("utla"), stats.spine_stats)
    england = store.latest_for_area(ENGLAND_CODE)
    region_latest = store.latest_for_area(model.region.code) if model.region is not None else None
    spine = pr.spine_rows(catalogue.ordered(), ranges, store.latest_for_area(area.code), england, region_latest)
    if spine.empty:
        return None
    groups = {o.key: o.name for o in catalogue.outcomes if (spine["outcome"] == o.key).any()}
    rows = pd.concat([spine[spine["outcome"] == k] for k in groups], ignore_index=True)
    title = f"{area.name} on England's range, by outcome"
    fig = pr.spine_figure(
        rows, area.name, model.region.name if model.region is not None else None, title, groups=groups
    )
    said = "; ".join(
        f"{r.Indicator} {pr.format_value(r.area_value, str(r.unit), r.value_note)} ({r.comparison})"
        for r in rows.itertuples()
        if not pr.is_missing(r.area_value)
    )
    alt = (
        f"Spine chart of {len(rows)} indicators for {area.name} against the range of England's upper-tier "
        f"local authorities, grouped by outcome: the grey bar runs from the worst authority (left) to the best "
        f"(right), the darker part from the 25th to the 75th percentile, England is the centre line and the "
        f"circle is {area.name}, coloured by its comparison with England. Values: {said or 'none'}."
    )
    shown = pr.spine_chart_words(rows, title, area.name)
    image = ChartImage(
        fig, shown.title, shown.area, shown.period, shown.source, CHART_WIDTH, int(fig.layout.height or 600)
    )
    return ChartFacts(
        "spine",
        image,
        alt,
        f"Spine chart: {area.name} among England's authorities.",
        bool(rows["is_demo"].fillna(False).astype(bool).any()),
    )


def describe_charts(
    model: ReportModel,
    store,
    catalogue: Catalogue,
    geography: Geography,
    described: Callable[[ChartFacts], None] | None = None,
) -> None:
    """The report's charts into model.charts, each given to `described` as soon as it is described."""
    for m in model.metrics:
        if m.indicator.tier != "headline":
            continue
        chart = _trend_chart(model, store, m) if m.local else None
        if chart is None:
            model.chart_notes.append(
                f"{m.indicator.short_name}: no chart, as {model.area.name} has no local figures for it."
            )
        else:
            model.charts.append(chart)
            if described is not None:
                described(chart)
    spine = _spine_chart(model, store, catalogue)
    if spine is not None:
        model.charts.append(spine)
        if described is not None:
            described(spine)


def submit(chart: ChartFacts, session: ChartSession) -> concurrent.futures.Future[bytes]:
    """A chart of the report given to `session` to draw (its PNG's future). The session is made with SCALE: at 1.5
    times their size in px a 900 px chart across an A4 page is about 200 dots per inch, sharp in print, with half
    the pixels of 2x for the PDF to carry."""
    return session.submit(chart.image)


class Drawings(Mapping[str, bytes]):
    """The report's chart images as its session draws them, by chart key: reading one waits until it is drawn, so
    a renderer writes everything before a picture while the browser draws it. `drawn(done, total)` is called, in
    the reader's thread, as each is first read."""

    def __init__(
        self,
        drawings: dict[str, concurrent.futures.Future[bytes]],
        drawn: Callable[[int, int], None] | None = None,
    ) -> None:
        self._drawings = drawings
        self._images: dict[str, bytes] = {}
        self._drawn = drawn

    def __getitem__(self, key: str) -> bytes:
        if key not in self._images:
            self._images[key] = self._drawings[key].result()
            if self._drawn is not None:
                self._drawn(len(self._images), len(self._drawings))
        return self._images[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._drawings)

    def __len__(self) -> int:
        return len(self._drawings)

    def all(self) -> dict[str, bytes]:
        """Every image, once all are drawn."""
        return {key: self[key] for key in self._drawings}


def draw(model: ReportModel, progress: Callable[[int, int], None] | None = None) -> dict[str, bytes]:
    """PNG images of every chart of the report, by chart key, drawn in one browser session."""
    images = figure_images([c.image for c in model.charts], "png", scale=SCALE, progress=progress)
    return {c.key: img for c, img in zip(model.charts, images)}
