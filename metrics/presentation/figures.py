"""Plotly figures: trend lines, bars compared with England, small multiples and the spine chart.

Built from plain trace and layout dicts, so the board report can render the same figures without Streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from metrics.areas import ENGLAND_CODE
from metrics.catalogue import Indicator
from metrics.periods import complete_sequence
from metrics.presentation.demo import DEMO_LEGEND, DEMO_MARKER_COLOUR, is_demo_flags
from metrics.presentation.formats import (
    format_ci,
    format_count,
    format_value,
    is_missing,
    period_words,
    short_source,
)
from metrics.presentation.words import (
    AREA_COLOUR,
    COMPARISON_COLOURS,
    COMPARISON_OUTLINE,
    COMPARISON_TEXT,
    ENGLAND_LINE_COLOUR,
    REGION_COLOUR,
    comparison_colour,
)
from metrics.safety import hover_text
from metrics.vocabulary import AS_PUBLISHED

__all__ = ["compare_bar_figure", "small_multiples_figure", "spine_figure", "trend_figure"]

_FONT = dict(family="Arial, Helvetica, sans-serif", size=13, color="#1F2328")


def _hover_rows(rows: pd.DataFrame, ind: Indicator) -> list[list[str]]:
    # Column by column: DataFrame.itertuples takes every column of the wide query frame again for each call.
    def column(name: str, default: Any = None) -> Any:
        return rows[name] if name in rows else [default] * len(rows)

    out = []
    for value, value_note, agg, lower95, upper95, count, denominator, source, compared, demo, period in zip(
        rows["value"],
        rows["value_note"],
        column("aggregation_note"),
        rows["lower95"],
        rows["upper95"],
        rows["count"],
        rows["denominator"],
        rows["source"],
        rows["compared_to_england"],
        column("is_demo", False),
        column("period", ""),
    ):
        note = value_note if isinstance(value_note, str) else ""
        if isinstance(agg, str) and agg:
            note = (note + "; " if note else "") + agg
        out.append(
            [
                format_value(value, ind.unit, value_note),
                format_ci(lower95, upper95, ind.unit) or "not given",
                format_count(count) or "not given",
                format_count(denominator) or "not given",
                hover_text(note or "none"),
                hover_text(short_source(source)),
                str(compared),
                DEMO_LEGEND if bool(demo) else "",
                period_words(period),
            ]
        )
    return out


_HOVER = (
    "<b>%{fullData.name}</b>%{customdata[7]}, %{customdata[8]}<br>Value: %{customdata[0]}<br>95% CI: %{customdata[1]}"
    "<br>Count: %{customdata[2]}<br>Denominator: %{customdata[3]}<br>Compared with England: %{customdata[6]}"
    "<br>Note: %{customdata[4]}<br>Source: %{customdata[5]}<extra></extra>"
)


def _with_gaps(part: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """One line's rows at every period of `order` from its first to its last: a period missing from the data is a
    row without a value, which breaks the line (connectgaps off) where it would join 2019 - 21 to 2022 - 24."""
    if part.empty:
        return part
    position = {p: n for n, p in enumerate(order)}
    if not set(part["period"]) <= set(position):
        return part
    at = [position[p] for p in part["period"]]
    span = list(order[min(at) : max(at) + 1])
    if len(span) == len(part):
        return part
    out = pd.DataFrame({"period": span}).merge(part, on="period", how="left")
    for col in ("area_code", "area_name"):
        if col in part:
            out[col] = part[col].iloc[0]
    if "is_demo" in out:
        out["is_demo"] = out["is_demo"].astype("boolean").fillna(False).astype(bool)
    return out


# A chart title is cut at the right edge of a phone (Plotly does not wrap it): longer titles break between words.
TITLE_CHARACTERS = 44


def wrapped(text: str, width: int = TITLE_CHARACTERS) -> str:
    """A title broken between words into lines of at most `width` characters ("<br>" between them)."""
    lines: list[str] = []
    for part in text.split("<br>"):
        line = ""
        for word in part.split(" "):
            if line and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
    return "<br>".join(lines)


def title_margin(title: str, first_line: int) -> int:
    """The top margin a wrapped title needs: `first_line` pixels for one line, 21 more for each further line."""
    return first_line + 21 * title.count("<br>")


def _figure(data: list[dict], layout: dict) -> go.Figure:
    """A figure from plain trace and layout dicts, built in one go. Plotly's add_trace / update_* / add_hline
    re-validate the whole figure on every call, which is slow for the small multiples; these dicts use
    only documented attributes, checked by the tests and by plotly.js when it draws."""
    return go.Figure(data=data, layout=layout, _validate=False)


def _error_lengths(differences: pd.Series) -> list[float]:
    """An error bar's lengths from a value to its interval's ends: none below 0, and 0 where either is unknown
    (numpy's fmax: pandas' clip and fillna cost more than the rest of a trace)."""
    return np.fmax(differences.to_numpy(dtype=float), 0.0).tolist()


def _line_shape(axis: str, value: float, colour: str, dash: str | None, width: float) -> dict:
    """A full-height vertical (axis "x") or full-width horizontal (axis "y") reference line at `value`."""
    line = dict(color=colour, width=width, **({"dash": dash} if dash else {}))
    if axis == "x":
        return dict(type="line", xref="x", x0=value, x1=value, yref="y domain", y0=0, y1=1, line=line)
    return dict(type="line", yref="y", y0=value, y1=value, xref="x domain", x0=0, x1=1, line=line)


def trend_figure(
    rows: pd.DataFrame,
    ind: Indicator,
    area_codes: Sequence[str],
    period_order: Sequence[str],
    periods_words: str = "all periods",
    member_codes: Sequence[str] = (),
) -> go.Figure:
    """Lines over all periods for the given areas (first = the chosen area, then England, then the region: each
    keeps its style whether or not an earlier one has values) and a footprint's `member_codes` (drawn in styles of
    their own where the footprint has no figure), 95% CI error bars, target line.
    `periods_words` ends the title: "all periods", or "all quarters" when the reader chose one kind. The axis
    keeps time: periods missing between the first and the last are on it, and break the lines."""
    period_order = complete_sequence(list(period_order))
    data = []
    styles = [
        (AREA_COLOUR, "solid", "circle"),
        (ENGLAND_LINE_COLOUR, "dash", "square"),
        (REGION_COLOUR, "dot", "diamond"),
        # a footprint's members, drawn where the footprint has no figure of its own
        ("#D55E00", "solid", "triangle-up"),
        ("#E69F00", "dashdot", "x"),
        ("#56B4E9", "solid", "star"),
    ]
    member_styles = styles[3:]
    styles = styles[:3]
    drawn = [(code, styles[min(n, len(styles) - 1)]) for n, code in enumerate(area_codes)]
    drawn += [(code, member_styles[k % len(member_styles)]) for k, code in enumerate(member_codes)]
    for code, (colour, dash, symbol) in drawn:
        part = _with_gaps(rows[rows["area_code"] == code], period_order)
        # an area without a single value has no line, so it gets no legend entry either
        if part.empty or part["value"].isna().all():
            continue
        demo = is_demo_flags(part).to_numpy()
        y = part["value"].astype(float)
        data.append(
            dict(
                type="scatter",
                x=part["period"].tolist(),
                y=y.tolist(),
                name=str(part["area_name"].iloc[0]) + (DEMO_LEGEND if demo.any() else ""),
                mode="lines+markers",
                line=dict(color=colour, dash=dash, width=2.5),
                # demonstration points: hollow grey markers
                marker=dict(
                    symbol=[f"{symbol}-open" if d else symbol for d in demo],
                    size=9,
                    color=[DEMO_MARKER_COLOUR if d else colour for d in demo],
                    line=dict(width=2),
                ),
                error_y=dict(
                    type="data",
                    array=_error_lengths(part["upper95"].astype(float) - y),
                    arrayminus=_error_lengths(y - part["lower95"].astype(float)),
                    visible=True,
                    color=colour,
                    thickness=1.2,
                    width=4,
                ),
                customdata=_hover_rows(part, ind),
                hovertemplate=_HOVER,
                connectgaps=False,
            )
        )
    shapes, annotations = [], []
    if ind.target is not None:
        shapes.append(_line_shape("y", ind.target.value, "#009E73", "longdash", 2))
        annotations.append(
            dict(
                text=f"Target: {ind.target.label}",
                xref="x domain",
                x=0,
                xanchor="left",
                yref="y",
                y=ind.target.value,
                yanchor="bottom",
                showarrow=False,
                font=dict(color="#1F2328"),
            )
        )
    if ind.value_type == "count" and len(data) > 1:
        return _count_panels(data, ind, period_order, periods_words, shapes, annotations)
    title = wrapped(f"{ind.short_name} ({ind.unit}), {periods_words}")
    layout = dict(
        title=dict(text=title, x=0, font=dict(size=16)),
        font=_FONT,
        plot_bgcolor="#FFFFFF",
        height=420 + 21 * title.count("<br>"),
        margin=dict(l=10, r=10, t=title_margin(title, 50), b=10),
        # under the chart: above it, a legend of several lines on a phone covered the title
        legend=dict(orientation="h", yanchor="top", y=-0.2, x=0, xanchor="left", title=dict(text="")),
        hovermode="closest",
        shapes=shapes,
        annotations=annotations,
        xaxis=dict(
            title=dict(text="Period"),
            categoryorder="array",
            categoryarray=list(period_order),
            # the stored label ("2022 - 24") keys the axis; it reads in the pages' one style ("2022-24")
            tickvals=list(period_order),
            ticktext=[period_words(p) for p in period_order],
            type="category",
            showgrid=False,
            linecolor="#888",
        ),
        yaxis=dict(
            title=dict(text=ind.unit), gridcolor="#E6E6E6", **({"rangemode": "tozero"} if ind.unit != "count" else {})
        ),
    )
    return _figure(data, layout)


def _count_panels(
    traces: list[dict],
    ind: Indicator,
    period_order: Sequence[str],
    periods_words: str,
    target_shapes: list[dict],
    target_annotations: list[dict],
) -> go.Figure:
    """A count's lines one panel per area, each on its own y axis: England's count (~290,000 in treatment) on an
    authority's axis (~2,000) would flatten the authority's line at the bottom. Panels stacked, periods aligned.
    A target line (on axes x and y) is drawn in the first panel, the chosen area's."""
    n = len(traces)
    panel_px, gap_px = 200, 70
    plot_px = n * panel_px + (n - 1) * gap_px
    height, step = panel_px / plot_px, (panel_px + gap_px) / plot_px
    layout: dict = {}
    annotations = list(target_annotations)
    for k, trace in enumerate(traces):
        suffix = "" if k == 0 else str(k + 1)
        top = 1 - k * step
        trace.update(xaxis=f"x{suffix}", yaxis=f"y{suffix}")
        layout[f"xaxis{suffix}"] = dict(
            domain=[0, 1],
            anchor=f"y{suffix}",
            type="category",
            categoryorder="array",
            categoryarray=list(period_order),
            # the stored label ("2022 - 24") keys the axis; it reads in the pages' one style ("2022-24")
            tickvals=list(period_order),
            ticktext=[period_words(p) for p in period_order],
            showgrid=False,
            linecolor="#888",
            **({} if k == 0 else {"matches": "x"}),
            **({"title": dict(text="Period")} if k == n - 1 else {}),
        )
        layout[f"yaxis{suffix}"] = dict(
            domain=[_unit(top - height), _unit(top)],
            anchor=f"x{suffix}",
            gridcolor="#E6E6E6",
            rangemode="tozero",
            title=dict(text=ind.unit),
        )
        annotations.append(
            dict(
                text=f"<b>{trace['name']}</b> (own scale)",
                xref="paper",
                yref="paper",
                x=0,
                y=_unit(top),
                xanchor="left",
                yanchor="bottom",
                showarrow=False,
                font=dict(size=14),
            )
        )
    title = wrapped(f"{ind.short_name} ({ind.unit}), {periods_words}: each area on its own scale")
    layout.update(
        title=dict(text=title, x=0, font=dict(size=16)),
        font=_FONT,
        plot_bgcolor="#FFFFFF",
        height=plot_px + 80 + 60 + 21 * title.count("<br>"),
        margin=dict(l=10, r=10, t=title_margin(title, 80), b=60),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=1, xanchor="right", title=dict(text="")),
        hovermode="closest",
        shapes=target_shapes,
        annotations=annotations,
    )
    return _figure(traces, layout)


def compare_bar_figure(
    rows: pd.DataFrame, ind: Indicator, england_value: Any, period: str, sort_by: str = "Value"
) -> go.Figure:
    """Horizontal bars for the areas in one period, 95% CI error bars, England as a reference line, bars coloured
    by comparison with England, a trace per comparison word so the legend reads in words."""
    df = rows.copy()
    df["value"] = df["value"].astype(float)
    if sort_by == "Name":
        df = df.sort_values("area_name", ascending=False)  # plotly draws the first category at the bottom
    else:
        df = df.sort_values(["value", "area_name"], ascending=[True, False], na_position="first")
    order = df["area_name"].tolist()
    hover = _HOVER.replace("%{x}", period).replace("%{fullData.name}", "%{y}")
    data = []
    demo_rows = is_demo_flags(df)
    # Only the words the bars have are looked up: each look-up copies every column of the wide query frame.
    present = set(zip(df["compared_to_england"], demo_rows))
    for word, demo in [(w, d) for w in COMPARISON_COLOURS for d in (False, True) if (w, d) in present]:
        part = df[(df["compared_to_england"] == word) & (demo_rows == demo)]
        if part.empty:
            continue
        y = part["value"]
        data.append(
            dict(
                type="bar",
                x=y.tolist(),
                y=part["area_name"].tolist(),
                orientation="h",
                name=word + (DEMO_LEGEND if demo else ""),
                # demonstration bars: hatched, with a grey outline
                # a publisher's verdict: pale, outlined in the colour of the verdict it states
                # demonstration bars: a pale tint of the verdict's colour under thin grey hatching, so that their
                # value labels are dark text on a light bar (white on a hatched grey bar could not be read)
                marker=dict(
                    color=comparison_colour(word + AS_PUBLISHED if word + AS_PUBLISHED in COMPARISON_COLOURS else word)
                    if demo
                    else comparison_colour(word),
                    line=dict(
                        color=DEMO_MARKER_COLOUR if demo else COMPARISON_OUTLINE.get(word, "#1F2328"),
                        width=2 if demo or word in COMPARISON_OUTLINE else 1,
                    ),
                    **(
                        {"pattern": dict(shape="/", fgcolor=DEMO_MARKER_COLOUR, size=12, solidity=0.12)} if demo else {}
                    ),
                ),
                error_x=dict(
                    type="data",
                    array=_error_lengths(part["upper95"].astype(float) - y),
                    arrayminus=_error_lengths(y - part["lower95"].astype(float)),
                    visible=True,
                    color="#1F2328",
                    thickness=1.5,
                    width=5,
                ),
                text=[
                    ("Demo · " if demo else "") + f"{format_value(v, ind.unit, n)} · {word}"
                    for v, n in zip(part["value"], part["value_note"])
                ],
                textposition="inside",
                insidetextanchor="start",
                constraintext="none",
                textfont=dict(color="#1F2328" if demo else COMPARISON_TEXT.get(word, "#1F2328")),
                customdata=_hover_rows(part, ind),
                hovertemplate=hover,
            )
        )
    shapes, annotations = [], []
    if not is_missing(england_value):
        shapes.append(_line_shape("x", float(england_value), ENGLAND_LINE_COLOUR, "dash", 2))
        annotations.append(
            dict(
                text=f"England {format_value(england_value, ind.unit)}",
                xref="x",
                x=float(england_value),
                xanchor="center",
                yref="y domain",
                y=1,
                yanchor="bottom",
                showarrow=False,
                font=dict(color="#1F2328"),
            )
        )
    xmax = np.nanmax(
        np.concatenate(
            [
                df["upper95"].astype(float).to_numpy(),
                df["value"].to_numpy(),
                [float(england_value) if not is_missing(england_value) else np.nan],
            ]
        )
    )
    title = wrapped(f"{ind.short_name} ({ind.unit}), {period_words(period)}: areas compared with England")
    height = max(260, 90 + 46 * len(df)) + 21 * title.count("<br>")
    layout = dict(
        title=dict(text=title, x=0, font=dict(size=16)),
        font=_FONT,
        plot_bgcolor="#FFFFFF",
        barmode="overlay",
        height=height,
        margin=dict(l=10, r=30, t=title_margin(title, 60), b=90),
        legend=dict(
            orientation="h", yanchor="top", y=-88 / height - 0.05, x=0, title=dict(text="Compared with England:")
        ),
        shapes=shapes,
        annotations=annotations,
        yaxis=dict(categoryorder="array", categoryarray=order, type="category", automargin=True),
        xaxis=dict(
            title=dict(text=ind.unit),
            gridcolor="#E6E6E6",
            rangemode="tozero",
            **({"range": [0, float(xmax) * 1.1]} if np.isfinite(xmax) and xmax > 0 else {}),
        ),
    )
    return _figure(data, layout)


def _unit(x: float) -> float:
    """A paper fraction rounded and kept within [0, 1]."""
    return min(1.0, max(0.0, round(x, 9)))


def small_multiples_figure(
    rows: pd.DataFrame, ind: Indicator, area_codes: Sequence[str], period_order: Sequence[str]
) -> go.Figure:
    """One small panel per area: the area's line and England's dashed line over all periods. The panels share
    the y axis (as plotly's make_subplots(shared_yaxes=True) lays them out); the axis keeps time (trend_figure)."""
    period_order = complete_sequence(list(period_order))
    codes = [c for c in area_codes if c != ENGLAND_CODE and not rows[rows["area_code"] == c].empty]
    if not codes:
        return go.Figure()
    names = [str(rows.loc[rows["area_code"] == c, "area_name"].iloc[0]) for c in codes]
    ncols = min(3, len(codes))
    nrows = math.ceil(len(codes) / ncols)
    # Panels and the gaps between rows (for the slanted period labels and the next panel's title) keep their size
    # in pixels whatever the number of rows, so the domains in paper fractions stay positive for 20 areas.
    panel_px, gap_px = 220, 110
    plot_px = nrows * panel_px + (nrows - 1) * gap_px
    hspace, vspace = 0.05, gap_px / plot_px
    width = (1 - hspace * (ncols - 1)) / ncols
    height = panel_px / plot_px
    eng = _with_gaps(rows[rows["area_code"] == ENGLAND_CODE], period_order)
    eng_x, eng_y = eng["period"].tolist(), eng["value"].astype(float).tolist()
    eng_hover = _hover_rows(eng, ind) if not eng.empty else []
    layout: dict[str, Any] = {}
    data: list[Any] = []
    annotations: list[Any] = []
    for n, code in enumerate(codes):
        r, c = n // ncols, n % ncols
        suffix = "" if n == 0 else str(n + 1)
        x0 = c * (width + hspace)
        y1 = 1 - r * (height + vspace)
        # Clamped to [0, 1]: the last row's or column's edge computed as 1 - n * step can come out as -1e-16,
        # which plotly refuses.
        x_domain = [_unit(x0), _unit(x0 + width)]
        y_domain = [_unit(y1 - height), _unit(y1)]
        layout[f"xaxis{suffix}"] = dict(
            domain=x_domain,
            anchor=f"y{suffix}",
            type="category",
            categoryorder="array",
            categoryarray=list(period_order),
            # the stored label ("2022 - 24") keys the axis; it reads in the pages' one style ("2022-24")
            tickvals=list(period_order),
            ticktext=[period_words(p) for p in period_order],
            tickangle=-45,
        )
        layout[f"yaxis{suffix}"] = dict(
            domain=y_domain,
            anchor=f"x{suffix}",
            gridcolor="#E6E6E6",
            rangemode="tozero",
            **({} if n == 0 else {"matches": "y"}),
            **({} if c == 0 else {"showticklabels": False}),
        )
        annotations.append(
            dict(
                text=names[n],
                xref="paper",
                yref="paper",
                x=x0 + width / 2,
                y=y1,
                xanchor="center",
                yanchor="bottom",
                showarrow=False,
                font=dict(size=16),
            )
        )
        part = _with_gaps(rows[rows["area_code"] == code], period_order)
        demo = is_demo_flags(part).to_numpy()
        area_name = "Area" + (DEMO_LEGEND if demo.any() else "")
        legend_names = {t["name"] for t in data}
        data.append(
            dict(
                type="scatter",
                x=part["period"].tolist(),
                y=part["value"].astype(float).tolist(),
                xaxis=f"x{suffix}",
                yaxis=f"y{suffix}",
                name=area_name,
                mode="lines+markers",
                line=dict(color=AREA_COLOUR, width=2.5),
                marker=dict(
                    size=7,
                    symbol=["circle-open" if d else "circle" for d in demo],
                    color=[DEMO_MARKER_COLOUR if d else AREA_COLOUR for d in demo],
                ),
                showlegend=area_name not in legend_names,
                legendgroup=area_name,
                customdata=_hover_rows(part, ind),
                hovertemplate=_HOVER.replace("%{fullData.name}", names[n]),
            )
        )
        if not eng.empty:
            data.append(
                dict(
                    type="scatter",
                    x=eng_x,
                    y=eng_y,
                    xaxis=f"x{suffix}",
                    yaxis=f"y{suffix}",
                    name="England" + (DEMO_LEGEND if is_demo_flags(eng).any() else ""),
                    mode="lines",
                    showlegend=n == 0,
                    legendgroup="eng",
                    line=dict(color=ENGLAND_LINE_COLOUR, dash="dash", width=1.5),
                    customdata=eng_hover,
                    hovertemplate=_HOVER.replace("%{fullData.name}", "England"),
                )
            )
    title = wrapped(f"{ind.short_name} ({ind.unit}) over time, each area against England")
    layout.update(
        title=dict(text=title, x=0, font=dict(size=16)),
        font=_FONT,
        plot_bgcolor="#FFFFFF",
        height=plot_px + 90 + 90 + 21 * title.count("<br>"),
        margin=dict(l=10, r=10, t=title_margin(title, 90), b=90),
        legend=dict(orientation="h", yanchor="bottom", y=1.08, x=1, xanchor="right"),
        annotations=annotations,
    )
    return _figure(data, layout)


def spine_figure(
    spine: pd.DataFrame, area_name: str, region_name: str | None, title: str, groups: dict[str, str] | None = None
) -> go.Figure:
    """Fingertips-style spine chart: grey bands worst..q25, q25..q75, q75..best; England the centre line;
    the area a circle coloured by comparison with England; the region a hollow diamond.

    groups (outcome key -> heading, in order): draw every outcome in one chart, each under a bold heading row,
    instead of one chart per outcome (one chart draws much faster in the browser than several)."""
    df = spine.reset_index(drop=True)
    headings: list[str] = []
    if groups:
        present = [k for k in groups if (df["outcome"] == k).any()]
        df = pd.concat([df[df["outcome"] == k] for k in present], ignore_index=True)
    # (columns zipped, not itertuples: that makes a new namedtuple class for the frame's many columns each call)
    labels = [f"{name} ({period_words(period)})" for name, period in zip(df["Indicator"], df["Period"])]
    order = list(labels)  # top to bottom
    if groups:
        order = []
        for k in present:
            headings.append(f'<span style="font-size:15px;color:#1F2328"><b>{groups[k]}</b></span>')
            order.append(headings[-1])
            order += [lab for lab, o in zip(labels, df["outcome"]) if o == k]
    data = []
    # Plot the bands as three bars from -1..q25 etc. Positions already oriented: worse is negative.
    seg = [
        ("p_worst", "p_q25", "#C7C7C7", "Worst to 25th percentile"),
        ("p_q25", "p_q75", "#8C8C8C", "25th to 75th percentile"),
        ("p_q75", "p_best", "#C7C7C7", "75th percentile to best"),
    ]
    for n, (lo, hi, colour, name) in enumerate(seg):
        base = df[lo].astype(float)
        data.append(
            dict(
                type="bar",
                y=labels,
                x=(df[hi].astype(float) - base).tolist(),
                base=base.tolist(),
                orientation="h",
                marker=dict(color=colour),
                name=name,
                showlegend=n < 2,
                hoverinfo="skip",
                width=0.4,
            )
        )
    if headings:  # the heading rows hold no data: an invisible point each so the axis keeps their rows
        data.append(
            dict(
                type="scatter",
                x=[0] * len(headings),
                y=headings,
                mode="markers",
                marker=dict(opacity=0),
                showlegend=False,
                hoverinfo="skip",
                name="Outcome",
            )
        )
    fmt = lambda v, u: format_value(v, u) if not is_missing(v) else "no value"  # noqa: E731
    spine_demo = is_demo_flags(df).to_numpy()
    hover_area = [
        f"<b>{area_name}</b>{DEMO_LEGEND if d else ''}: "
        f"{format_value(r['area_value'], str(r['unit']), r['value_note'])} ({r['comparison']} than/as England)"
        f"<br>England: {fmt(r['england_value'], r['unit'])}<br>Region: {fmt(r['region_value'], r['unit'])}"
        f"<br>Worst: {fmt(r['worst'], r['unit'])} · 25th: {fmt(r['q25'], r['unit'])} · "
        f"75th: {fmt(r['q75'], r['unit'])} · Best: {fmt(r['best'], r['unit'])} ({r['n']} authorities)"
        for r, d in zip(df.to_dict("records"), spine_demo)
    ]
    # The region first, larger: an area's marker on the same spot stays visible inside its diamond.
    if region_name and df["p_region"].notna().any():
        m = df["p_region"].notna()
        data.append(
            dict(
                type="scatter",
                x=df.loc[m, "p_region"].tolist(),
                y=[labels[i] for i in np.flatnonzero(m)],
                mode="markers",
                name=region_name,
                marker=dict(size=21, symbol="diamond-open", color="#1F2328", line=dict(width=2)),
                hovertext=[hover_area[i] for i in np.flatnonzero(m)],
                hoverinfo="text",
            )
        )
    for word, demo in [(w, d) for w in COMPARISON_COLOURS for d in (False, True)]:
        mask = (df["comparison"] == word) & df["p_area"].notna() & (spine_demo == demo)
        if not mask.any():
            continue
        data.append(
            dict(
                type="scatter",
                x=df.loc[mask, "p_area"].tolist(),
                y=[labels[i] for i in np.flatnonzero(mask)],
                mode="markers",
                name=f"{area_name}: {word}" + (DEMO_LEGEND if demo else ""),
                # a demonstration value keeps its verdict's colour, crossed and edged in grey: told apart from a
                # real one, and Better, Similar and Worse from each other
                marker=dict(
                    size=14,
                    color=comparison_colour(word),
                    line=dict(
                        color=DEMO_MARKER_COLOUR if demo else COMPARISON_OUTLINE.get(word, "#1F2328"),
                        width=2 if demo or word in COMPARISON_OUTLINE else 1.5,
                    ),
                    symbol="circle-x" if demo else "circle",
                ),
                hovertext=[hover_area[i] for i in np.flatnonzero(mask)],
                hoverinfo="text",
            )
        )
    n_rows = len(order)
    # Each row's label sits above its band, left-aligned, instead of on the axis: the bands keep the full width at
    # any screen width (as axis labels they took three quarters of a phone's width). (issue 18)
    row_labels = [
        dict(
            text=label,
            xref="paper",
            x=0,
            xanchor="left",
            yref="y",
            y=label,
            yanchor="bottom",
            yshift=12,
            showarrow=False,
            align="left",
            bgcolor="rgba(255,255,255,0.85)",
            font=dict(size=13 if label in headings else 12),
        )
        for label in order
    ]
    layout = dict(
        title=dict(text=wrapped(title), x=0, font=dict(size=15)),
        font=_FONT,
        plot_bgcolor="#FFFFFF",
        barmode="overlay",
        height=170 + 52 * n_rows + 21 * wrapped(title).count("<br>"),
        margin=dict(l=10, r=10, t=title_margin(wrapped(title), 40), b=30),
        annotations=row_labels,
        legend=dict(orientation="h", yanchor="top", y=-0.08 - 0.5 / max(n_rows, 1), x=0, font=dict(size=11)),
        shapes=[_line_shape("x", 0, ENGLAND_LINE_COLOUR, None, 2.5)],
        xaxis=dict(
            range=[-1.08, 1.08],
            tickvals=[-1, 0, 1],
            ticktext=["◀ Worst", "England", "Best ▶"],
            showgrid=False,
            zeroline=False,
            fixedrange=True,
        ),
        # First row at the top: a category axis draws its first category at the bottom.
        yaxis=dict(
            automargin=True,
            fixedrange=True,
            type="category",
            categoryorder="array",
            categoryarray=order[::-1],
            showticklabels=False,
        ),
    )
    return _figure(data, layout)
