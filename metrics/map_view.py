"""The map page's frame and figure: every authority (or region) of England coloured by its comparison with England,
or by quintile where a metric has no polarity. Pure: frames in, a Plotly figure out.

The figure is a `go.Choropleth` on a `geo` subplot with every base layer hidden, over the bundled boundaries
(metrics.geo): it draws with no tile server, topojson or font download. Its traces name the boundaries by the URL
the app serves them at (geo.served_url); a figure drawn without the app takes them inline (geo.inline, which
metrics.chart_images applies).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from metrics import geo, stats
from metrics.areas import Geography
from metrics.catalogue import Indicator
from metrics.presentation import COMPARISON_COLOURS, DEMO_LEGEND, DEMO_MARKER_COLOUR, format_ci, value_with_note
from metrics.vocabulary import AS_PUBLISHED, BETTER, NOT_COMPARED, SIMILAR, WORSE

COMPARISON_MODE = "comparison"
QUINTILE_MODE = "quintile"
NO_VALUE = "No value"
# The words of the map's legend, in order, for each mode.
# (a publisher's verdict on a value without an interval beside the computed one it states, never merged with it)
COMPARISON_WORDS = (
    BETTER,
    BETTER + AS_PUBLISHED,
    SIMILAR,
    SIMILAR + AS_PUBLISHED,
    WORSE,
    WORSE + AS_PUBLISHED,
    NOT_COMPARED,
    NO_VALUE,
)
QUINTILE_WORDS_NO_POLARITY = ("Lowest", "Low", "Middle", "High", "Highest", NO_VALUE)
# One hue from light to dark (ColorBrewer Purples): read by lightness, so colour-vision deficiencies do not hide
# the order; the words are in the legend and the hover.
QUINTILE_COLOURS = ("#F2F0F7", "#CBC9E2", "#9E9AC8", "#756BB1", "#54278F")
MAP_COLOURS = {**COMPARISON_COLOURS, NO_VALUE: "#FFFFFF", **dict(zip(QUINTILE_WORDS_NO_POLARITY, QUINTILE_COLOURS))}
# Plotly's `config` for the map: its base-map topology (every base layer is hidden, but Plotly loads one for any geo
# map) from the empty one the app serves (static/world_110m.json), not from cdn.plot.ly.
PLOTLY_CONFIG = {"topojsonURL": "app/static/", "displayModeBar": False}
LEVEL_WORDS = {"utla": "upper-tier local authorities", "region": "regions"}
FONT = dict(family="Arial, Helvetica, sans-serif", size=13, color="#1F2328")
# A demonstration value's area: its word's colour faded, a grey edge and a hollow grey circle on it (the mark of a
# demonstration value on every chart), and "(demonstration)" in its legend entry, hover and table.
DEMO_FILL_OPACITY = 0.4
DEMO_POINTS = "Hollow circle: demonstration data (not real)"


def figure(data: list[dict], layout: dict) -> go.Figure:
    """A figure from plain trace and layout dicts in one go (as metrics.presentation builds its figures: plotly's
    per-call validation is slow; plotly.js checks the attributes when it draws, and the tests read them)."""
    return go.Figure(data=data, layout=layout, _validate=False)


def short_source(source) -> str:
    if not isinstance(source, str):
        return ""
    return "Demonstration data (not real)" if source.startswith("DEMONSTRATION") else source


def map_mode(ind: Indicator) -> str:
    """Comparison with England where it is a judgement (a polarity and a benchmarkable value), else quintiles."""
    if ind.polarity != "no_polarity" and ind.benchmarkable:
        return COMPARISON_MODE
    return QUINTILE_MODE


def legend_words(ind: Indicator) -> tuple[str, ...]:
    if map_mode(ind) == COMPARISON_MODE:
        return COMPARISON_WORDS
    return QUINTILE_WORDS_NO_POLARITY


def map_frame(rows: pd.DataFrame, ind: Indicator, level: str, geography: Geography, period: str) -> pd.DataFrame:
    """One row per area of the level (all of them, with or without a value): area_code, area_name, value, lower95,
    upper95, value_note, source, is_demo, category (the word the map colours by), and the words shown on hover.

    rows: store.values_for_period(metric, period, level=level)."""
    areas = geography.of_level(level)
    base = pd.DataFrame({"area_code": [a.code for a in areas], "area_name": [a.name for a in areas]})
    cols = [
        "area_code",
        "value",
        "lower95",
        "upper95",
        "value_note",
        "source",
        "is_demo",
        "compared_to_england",
        "aggregation_note",
    ]
    have = rows[[c for c in cols if c in rows.columns]] if not rows.empty else pd.DataFrame(columns=cols)
    out = base.merge(have, on="area_code", how="left")
    value = out["value"].astype(float).to_numpy()
    if map_mode(ind) == COMPARISON_MODE:
        category: Any = out["compared_to_england"].astype(object).where(out["compared_to_england"].notna(), NO_VALUE)
        category = np.where(np.isnan(value), NO_VALUE, category)
    else:
        # Lowest to highest whatever the polarity: without a comparison the map shows position, not a judgement.
        q = stats.quintiles(value, "no_polarity")
        category = np.where(np.isnan(q), NO_VALUE, stats.quintile_label(q, "no_polarity"))
    out["category"] = category
    out["period"] = period
    out["value_text"] = [value_with_note(v, ind.unit, n) for v, n in zip(out["value"], out["value_note"])]
    out["ci_text"] = [format_ci(lo, hi, ind.unit) or "not given" for lo, hi in zip(out["lower95"], out["upper95"])]
    out["source_text"] = [short_source(s) or "no value stored" for s in out["source"]]
    out["is_demo"] = out["is_demo"].astype("boolean").fillna(False).astype(bool)
    # The word shown for the area: its category, and whether the value is demonstration data.
    out["shown_as"] = [
        f"{c}{DEMO_LEGEND}" if d and c != NO_VALUE else str(c) for c, d in zip(out["category"], out["is_demo"])
    ]
    return out


def _hover_data(frame: pd.DataFrame) -> list[list[str]]:
    columns = ("area_name", "value_text", "ci_text", "period", "source_text", "shown_as")
    return [[str(v) for v in row] for row in zip(*(frame[c].tolist() for c in columns))]


_HOVER = (
    "<b>%{customdata[0]}</b><br>%{customdata[3]}: %{customdata[1]}<br>95% CI: %{customdata[2]}"
    "<br>%{customdata[5]}<br>Source: %{customdata[4]}<extra></extra>"
)


def map_figure(
    frame: pd.DataFrame,
    ind: Indicator,
    level: str,
    title: str,
    footprints: Sequence[tuple[str, str, tuple[str, ...], str]] = (),
    labelled: Sequence[tuple[str, str]] = (),
) -> go.Figure:
    """The choropleth: a trace per legend word (so the legend reads in words, with the number of areas), the
    joint footprints outlined (name, words, member codes, code), the chosen areas labelled (code, name)."""
    words = legend_words(ind)
    mode = map_mode(ind)
    data: list[dict] = []
    demo = frame["is_demo"] if "is_demo" in frame else pd.Series(False, index=frame.index)
    codes = frame["area_code"].tolist()
    hover = _hover_data(frame)
    # the rows of each legend word, real and demonstration apart, in the frame's order (one pass, not a filter each)
    rows_of: dict[tuple[str, bool], list[int]] = {}
    for i, key in enumerate(zip(frame["category"].tolist(), demo.astype(bool).tolist())):
        rows_of.setdefault(key, []).append(i)
    for word in words:
        for is_demo in (False, True):
            rows = rows_of.get((word, is_demo))
            if not rows:
                continue
            colour = MAP_COLOURS[word]
            said = f"{word}{DEMO_LEGEND}" if is_demo else word
            legend = (
                f"{said} ({len(rows)})"
                if mode == COMPARISON_MODE or word == NO_VALUE
                else f"{word} fifth{DEMO_LEGEND if is_demo else ''} ({len(rows)})"
            )
            data.append(
                dict(
                    # the shapes by URL: the browser fetches the file once (plotly.js keeps it for the session), so
                    # a run sends none of them
                    type="choropleth",
                    geojson=geo.served_url_of_trace(level, len(data)),
                    locations=[codes[i] for i in rows],
                    z=[1] * len(rows),
                    colorscale=[[0, colour], [1, colour]],
                    showscale=False,
                    name=legend,
                    showlegend=True,
                    legendgroup=said,
                    marker=dict(
                        line=dict(color=DEMO_MARKER_COLOUR if is_demo else "#6E7781", width=1 if is_demo else 0.5),
                        **({"opacity": DEMO_FILL_OPACITY} if is_demo else {}),
                    ),
                    customdata=[hover[i] for i in rows],
                    hovertemplate=_HOVER,
                )
            )
    demo_codes = frame.loc[demo & (frame["category"] != NO_VALUE), "area_code"].tolist()
    if demo_codes:
        points = geo.label_points(level)
        drawn = [c for c in demo_codes if c in points]
        data.append(
            dict(
                type="scattergeo",
                lon=[points[c][0] for c in drawn],
                lat=[points[c][1] for c in drawn],
                mode="markers",
                name=DEMO_POINTS,
                marker=dict(size=6, symbol="circle-open", color=DEMO_MARKER_COLOUR, line=dict(width=1.5)),
                hoverinfo="skip",
                showlegend=True,
            )
        )
    for name, _words, members, _code in footprints:
        lons, lats = geo.outline(tuple(members))
        if not lons:
            continue
        data.append(
            dict(
                type="scattergeo",
                lon=lons,
                lat=lats,
                mode="lines",
                name=f"Joint CDP: {name}",
                # not hoverable: a click near the outline must reach the authority under it (the footprint's words
                # and link are beside the map)
                line=dict(color="#1F2328", width=3),
                hoverinfo="skip",
                showlegend=True,
            )
        )
    if labelled:
        points = geo.label_points(level)
        shown = [(c, n) for c, n in labelled if c in points]
        if shown:
            data.append(
                dict(
                    type="scattergeo",
                    lon=[points[c][0] for c, _ in shown],
                    lat=[points[c][1] for c, _ in shown],
                    # labels fan out from the group: the northernmost above its point, the others below, western
                    # ones to the left and eastern ones to the right, so neighbours (Worcestershire, Oxfordshire,
                    # Buckinghamshire) do not write over each other on a phone's small map
                    mode="markers+text",
                    text=[n for _, n in shown],
                    textposition=label_positions([points[c] for c, _ in shown]),
                    textfont=dict(size=13, color="#1F2328", family=FONT["family"]),
                    marker=dict(size=7, color="#1F2328", symbol="circle", line=dict(color="#FFFFFF", width=1.5)),
                    name="Compare focus areas",
                    hoverinfo="skip",
                    showlegend=True,
                )
            )
    legend_title = (
        "Compared with England (95% CI):"
        if mode == COMPARISON_MODE
        else "Fifth of the areas (quintile; not a judgement):"
    )
    layout = dict(
        title=dict(text=title, x=0, font=dict(size=16)),
        font=FONT,
        height=720,
        margin=dict(l=0, r=0, t=70, b=110),
        paper_bgcolor="#FFFFFF",
        geo=dict(fitbounds="locations", visible=False, projection=dict(type="mercator"), bgcolor="#FFFFFF"),
        # Below the map, where it hides no area at any width.
        legend=dict(
            title=dict(text=legend_title, side="top"),
            orientation="h",
            x=0,
            y=0,
            xanchor="left",
            yanchor="top",
            itemclick=False,
            itemdoubleclick=False,
        ),
        dragmode=False,
    )
    return figure(data, layout)


def label_positions(points: Sequence[tuple[float, float]]) -> list[str]:
    """Plotly text positions for labelled points (lon, lat): the northernmost "top", the rest "bottom"; west of the
    middle "left", east "right" (one point: "middle right")."""
    if len(points) < 2:
        return ["middle right"] * len(points)
    middle = float(np.median([lon for lon, _ in points]))
    north = max(range(len(points)), key=lambda i: points[i][1])
    return [
        f"{'top' if i == north else 'bottom'} {'left' if lon <= middle else 'right'}"
        for i, (lon, _lat) in enumerate(points)
    ]


def summary_words(frame: pd.DataFrame, ind: Indicator, level: str, period: str) -> str:
    """The map in words: how many areas fall in each legend word, and which they are for the few."""
    parts = []
    shown = frame["shown_as"] if "shown_as" in frame else frame["category"]
    for word in legend_words(ind):
        for said in (word, f"{word}{DEMO_LEGEND}"):
            names = frame.loc[shown == said, "area_name"].tolist()
            if not names:
                continue
            listed = f": {', '.join(names)}" if len(names) <= 12 else ""
            parts.append(f"{said} {len(names)}{listed}")
    kind = "compared with England" if map_mode(ind) == COMPARISON_MODE else "by fifth of the areas (quintile)"
    return (
        f"Map of England's {len(frame)} {LEVEL_WORDS.get(level, level)} coloured {kind}, "
        f"{ind.short_name} ({ind.unit}), {period}. " + "; ".join(parts) + "."
    )


def table_frame(frame: pd.DataFrame, ind: Indicator) -> pd.DataFrame:
    """The map as a table (its text alternative): one row per area, sorted by name."""
    out = frame.sort_values("area_name")
    return pd.DataFrame(
        {
            "Area": out["area_name"].to_numpy(),
            "Code": out["area_code"].to_numpy(),
            "Value": out["value_text"].to_numpy(),
            "95% CI": out["ci_text"].replace("not given", "").to_numpy(),
            ("Compared with England" if map_mode(ind) == COMPARISON_MODE else "Fifth (quintile)"): out[
                "shown_as" if "shown_as" in out else "category"
            ].to_numpy(),
            "Source": out["source_text"].to_numpy(),
            "Scorecard": [f"scorecard?area={c}" for c in out["area_code"]],
        }
    )
