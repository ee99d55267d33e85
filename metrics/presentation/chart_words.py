"""The words a chart's image carries (metrics.chart_images): its title, the area, the period, the source, and the
name of its file and of its download buttons; one function per kind of chart, shared by the pages and the board
report.

The source is the citation of the values drawn (each row's source, as the tables show it), never a file name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from metrics.areas import ENGLAND_CODE
from metrics.catalogue import Indicator
from metrics.geo import ATTRIBUTION
from metrics.presentation.downloads import download_file_stem
from metrics.presentation.formats import short_source


@dataclass(frozen=True)
class ChartWords:
    """What is drawn into a chart's image around the chart, the image's file name and the chart's name in the
    labels of its download buttons ("Download the trend chart as PNG")."""

    title: str
    area: str
    period: str
    source: str
    file_stem: str
    name: str = "chart"

    def file_name(self, fmt: str) -> str:
        return f"{self.file_stem}.{fmt}"


def citation(sources: Iterable[Any], fallback: str = "", extra: Sequence[str] = ()) -> str:
    """The distinct citations of the values drawn, in order, "; " between them (the fallback when none)."""
    cited = sorted({short_source(s) for s in sources if isinstance(s, str) and s})
    return "; ".join([*(cited or ([fallback] if fallback else [])), *extra])


def period_span(periods: Sequence[str]) -> str:
    """First to last of the periods drawn, in drawing order."""
    if not periods:
        return ""
    return periods[0] if periods[0] == periods[-1] else f"{periods[0]} to {periods[-1]}"


def _names(rows: pd.DataFrame, codes: Sequence[str]) -> list[str]:
    by_code = dict(zip(rows["area_code"], rows["area_name"]))
    return [str(by_code[c]) for c in codes if c in by_code]


def _listed(names: Sequence[str]) -> str:
    if not names:
        return ""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def trend_chart_words(
    rows: pd.DataFrame, ind: Indicator, area_code: str, area_name: str, period_order: Sequence[str]
) -> ChartWords:
    """The trend chart (the Trends page, the report): the area against the other areas drawn (England, region)."""
    drawn = list(dict.fromkeys(rows["area_code"]))
    others = _names(rows, sorted((c for c in drawn if c != area_code), key=lambda c: c != ENGLAND_CODE))
    if area_code not in drawn:  # the area has no values: the chart is the others' alone
        title = f"{ind.short_name} ({ind.unit}): {_listed(others)} (no values for {area_name})"
    else:
        title = f"{ind.short_name} ({ind.unit}): {area_name}" + (f" against {_listed(others)}" if others else "")
    period = period_span(period_order)
    return ChartWords(
        title,
        area_name,
        period,
        citation(rows["source"], ind.source),
        download_file_stem(ind.key, area_name, period),
        "trend chart",
    )


def spine_chart_words(rows: pd.DataFrame, title: str, area_name: str) -> ChartWords:
    """The spine chart (the Area profile page, the report); rows: spine_rows."""
    periods = sorted({str(p) for p in rows["Period"]})
    return ChartWords(
        title,
        area_name,
        "latest period of each indicator: " + ", ".join(periods),
        citation(rows["source"], "OHID Fingertips"),
        download_file_stem("profile", area_name, "latest"),
        "spine chart",
    )


def compare_chart_words(bars: pd.DataFrame, ind: Indicator, period: str, england_rows: pd.DataFrame) -> ChartWords:
    """The Compare areas bars: the chosen areas in one period, England the reference line."""
    names = list(dict.fromkeys(str(n) for n in bars["area_name"]))
    return ChartWords(
        f"{ind.short_name} ({ind.unit}) in {period}: the chosen areas against England",
        _listed(names) + " (England: the dashed line)",
        period,
        citation([*bars["source"], *england_rows["source"]], ind.source),
        download_file_stem(ind.key, f"{len(names)} areas", period),
        "bar chart",
    )


def small_multiples_words(
    series: pd.DataFrame, ind: Indicator, area_codes: Sequence[str], period_order: Sequence[str]
) -> ChartWords:
    """Compare areas' small multiples: a panel per chosen area with England dashed."""
    names = _names(series, [c for c in area_codes if c != ENGLAND_CODE])
    period = period_span(period_order)
    return ChartWords(
        f"{ind.short_name} ({ind.unit}) over time: each area against England",
        _listed(names) + " (England: the dashed line)" if names else "England",
        period,
        citation(series["source"], ind.source),
        download_file_stem(ind.key, f"{len(names)} areas", period, "over time"),
        "small multiples",
    )


def map_chart_words(frame: pd.DataFrame, ind: Indicator, period: str, areas_words: str) -> ChartWords:
    """The map: the boundaries' attribution, which the page shows under the map, follows the values' citation; a map
    with demonstration values says so in its title."""
    demo = "is_demo" in frame and bool(frame["is_demo"].fillna(False).astype(bool).any())
    return ChartWords(
        f"{ind.short_name} ({ind.unit}), {period}: compared with England"
        + (", with demonstration data (not real)" if demo else ""),
        f"England's {areas_words}",
        period,
        citation(frame["source"], ind.source, [ATTRIBUTION]),
        download_file_stem(ind.key, "map", areas_words, period),
        "map",
    )


def groups_chart_words(rows: pd.DataFrame, ind: Indicator, area_name: str, dimension: str, period: str) -> ChartWords:
    """Inequalities: the area's groups of one breakdown (sex, age ...) in one period; rows: those drawn."""
    return ChartWords(
        f"{ind.short_name} ({ind.unit}) by {dimension.lower()}: {area_name}",
        area_name,
        period,
        citation(rows["source"], ind.source),
        download_file_stem(ind.key, area_name, f"by {dimension}", period),
        f"chart by {dimension.lower()}",
    )


def over_time_chart_words(
    rows: pd.DataFrame, ind: Indicator, area_name: str, dimension: str, period_order: Sequence[str]
) -> ChartWords:
    """Inequalities over time: the area's groups of one breakdown and its overall value; rows: those drawn."""
    period = period_span(period_order)
    return ChartWords(
        f"{ind.short_name} ({ind.unit}) by {dimension.lower()} over time: {area_name}",
        area_name,
        period,
        citation(rows["source"], ind.source),
        download_file_stem(ind.key, area_name, f"by {dimension}", period),
        f"chart by {dimension.lower()} over time",
    )


def scatter_chart_words(
    pairs: pd.DataFrame, ind_x: Indicator, period_x: str, ind_y: Indicator, period_y: str, highlighted: Sequence[str]
) -> ChartWords:
    """Compare indicators: a point per authority; highlighted: the names of the authorities named on the chart."""
    area = f"England's upper-tier local authorities ({len(pairs)} with both values)"
    if highlighted:
        area += "; highlighted: " + _listed(list(highlighted))
    return ChartWords(
        f"{ind_y.short_name} ({ind_y.unit}) against {ind_x.short_name} ({ind_x.unit})",
        area,
        f"{ind_x.short_name} {period_x}; {ind_y.short_name} {period_y}",
        citation([*pairs["x_source"], *pairs["y_source"]], ind_x.source),
        download_file_stem(ind_x.key, ind_y.key, "authorities", period_x, period_y),
        "scatter chart",
    )
