"""Inequalities: one metric for one area by sex, age group and deprivation, each group with its 95% interval,
compared with the area's overall value and with England's value for the same group (Fingertips' rule: the
benchmark inside the group's 95% interval is Similar), and over time. Pure: frames in, frames and figures out.

Breakdown labels are free text in the store ("Male", "Age 18-24", "Most deprived decile (IMD2019)", Fingertips'
"Category: ..." forms); `dimension_of` sorts them into sex, age group, deprivation and other.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import pandas as pd

from metrics import stats
from metrics.areas import ENGLAND_CODE
from metrics.catalogue import Indicator
from metrics.map_view import FONT, figure, short_source
from metrics.presentation import (
    COMPARISON_COLOURS,
    DEMO_LEGEND,
    DEMO_MARKER_COLOUR,
    ENGLAND_LINE_COLOUR,
    format_ci,
    format_count,
    mark_demo,
    value_with_note,
)
from metrics.store import DEFAULT_BREAKDOWN

SEX, AGE, DEPRIVATION, OTHER = "Sex", "Age group", "Deprivation", "Other breakdown"
DIMENSIONS = (SEX, AGE, DEPRIVATION, OTHER)
_TOTAL_WORDS = {"total", "persons", "all ages", "all"}
_ORDINALS = {"most": 1, "least": 1, "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}


def _plain(label: str) -> str:
    """The label without a Fingertips "Category type: " prefix."""
    return label.split(": ", 1)[1] if ": " in label else label


def dimension_of(label: str) -> str | None:
    """The dimension a breakdown belongs to; None for the total."""
    text = _plain(str(label)).strip().lower()
    if text in _TOTAL_WORDS:
        return None
    if text in ("male", "female", "males", "females", "men", "women"):
        return SEX
    if "depriv" in text or "imd" in text or "decile" in text or "quintile" in text:
        return DEPRIVATION
    if (
        text.startswith("age")
        or re.search(r"\d+\s*(-|to)\s*\d+", text)
        or re.search(r"\d+\s*\+", text)
        or "yrs" in text
        or "years" in text
    ):
        return AGE
    return OTHER


def sort_key(label: str) -> tuple:
    """Order within a dimension: male before female; ages by their first number; deprivation from most to least
    deprived (numbered, or Fingertips' "Second most ... / Second least ..." words); others by name."""
    text = _plain(str(label)).lower()
    dim = dimension_of(label)
    if dim == SEX:
        return (0 if text.startswith("m") else 1, text)
    if dim == AGE:
        numbers = re.findall(r"\d+", text)
        return (int(numbers[0]) if numbers else 999, text)
    if dim == DEPRIVATION:
        size = 10 if "decile" in text else 5
        numbers = re.findall(r"\d+", text.replace("imd2019", "").replace("imd2015", ""))
        if numbers:
            return (int(numbers[0]), text)
        words = text.split()
        rank = next((_ORDINALS[w] for w in words if w in _ORDINALS and w not in ("most", "least")), 1)
        if "least" in words or "less" in words:
            rank = size + 1 - rank
        return (rank, text)
    return (0, text)


def breakdowns_by_dimension(labels: Sequence[str]) -> dict[str, list[str]]:
    """The stored breakdowns (not the total) grouped by dimension, each in its order; dimensions without any left
    out."""
    out: dict[str, list[str]] = {}
    for label in labels:
        dim = dimension_of(label)
        if dim is not None and label != DEFAULT_BREAKDOWN:
            out.setdefault(dim, []).append(label)
    return {d: sorted(out[d], key=sort_key) for d in DIMENSIONS if d in out}


def group_frame(rows: pd.DataFrame, ind: Indicator, area_code: str, period: str, labels: Sequence[str]) -> pd.DataFrame:
    """One row per breakdown of `labels` for the area in the period: its value and 95% interval, the area's overall
    value and England's value for the same group, and both comparisons in words.

    rows: store.breakdown_series(metric, [area, England])."""
    in_period = rows[rows["period"] == period]
    area = in_period[in_period["area_code"] == area_code].set_index("breakdown")
    england = in_period[in_period["area_code"] == ENGLAND_CODE].set_index("breakdown")
    overall = float(cast(float, area.loc[DEFAULT_BREAKDOWN, "value"])) if DEFAULT_BREAKDOWN in area.index else np.nan
    out = []
    for label in labels:
        r: Any = area.loc[label] if label in area.index else None
        e = float(cast(float, england.loc[label, "value"])) if label in england.index else np.nan
        e_demo = label in england.index and england.loc[[label], "is_demo"].fillna(False).astype(bool).item()
        value = float(r["value"]) if r is not None and pd.notna(r["value"]) else np.nan
        lower = float(r["lower95"]) if r is not None and pd.notna(r["lower95"]) else np.nan
        upper = float(r["upper95"]) if r is not None and pd.notna(r["upper95"]) else np.nan
        out.append(
            {
                "breakdown": label,
                "Group": _plain(label),
                "value": value,
                "lower95": lower,
                "upper95": upper,
                "overall": overall,
                "england_group": e,
                "england_is_demo": e_demo,
                "vs_overall": stats.compare(value, lower, upper, overall, ind.polarity),
                # as derived at load time (England's value for the same breakdown, the same rule)
                "vs_england": str(r["compared_to_england"]) if r is not None else stats.NOT_COMPARED,
                "value_note": r["value_note"] if r is not None else None,
                "count": r["count"] if r is not None else np.nan,
                "source": r["source"] if r is not None else None,
                "is_demo": bool(r["is_demo"]) if r is not None and pd.notna(r["is_demo"]) else False,
            }
        )
    return pd.DataFrame(out)


def groups_rows(rows: pd.DataFrame, area_code: str, period: str, labels: Sequence[str]) -> pd.DataFrame:
    """The rows whose values the groups chart draws: the area's groups and overall value, England's same groups."""
    wanted = ((rows["area_code"] == area_code) & rows["breakdown"].isin([DEFAULT_BREAKDOWN, *labels])) | (
        (rows["area_code"] == ENGLAND_CODE) & rows["breakdown"].isin(labels)
    )
    return rows[wanted & (rows["period"] == period)]


def over_time_rows(rows: pd.DataFrame, area_code: str, labels: Sequence[str], kind: str) -> pd.DataFrame:
    """The rows whose values over_time_figure draws: the area's groups and overall value in every period of a kind."""
    return rows[
        (rows["area_code"] == area_code)
        & (rows["period_kind"] == kind)
        & rows["breakdown"].isin([DEFAULT_BREAKDOWN, *labels])
    ]


def group_table(groups: pd.DataFrame, ind: Indicator, area_name: str) -> pd.DataFrame:
    """The groups as the page's table, in words."""
    return pd.DataFrame(
        {
            "Group": groups["Group"],
            "Value": [
                mark_demo(value_with_note(v, ind.unit, n), demo) if pd.notna(v) or isinstance(n, str) else "No value"
                for v, n, demo in zip(groups["value"], groups["value_note"], groups["is_demo"])
            ],
            "95% CI": [format_ci(lo, hi, ind.unit) for lo, hi in zip(groups["lower95"], groups["upper95"])],
            f"Compared with {area_name} overall": groups["vs_overall"],
            "England (same group)": [
                mark_demo(value_with_note(v, ind.unit, None), demo) if pd.notna(v) else "No value"
                for v, demo in zip(groups["england_group"], groups["england_is_demo"])
            ],
            "Compared with England (same group)": groups["vs_england"],
            "Count": [format_count(c) for c in groups["count"]],
            "Source": [short_source(s) for s in groups["source"]],
        }
    )


def groups_figure(groups: pd.DataFrame, ind: Indicator, area_name: str, dimension: str, period: str):
    """Each group's value as a dot with its 95% interval, coloured by the comparison with the area's overall value
    (a trace per word, so the legend reads in words); the overall value a solid line; England's same group a
    hollow diamond."""
    df = groups.reset_index(drop=True)
    order = df["Group"].tolist()
    data = []
    demo_rows = df["is_demo"].astype(bool)
    with_value = df["value"].notna()
    # (only the words the groups have are filtered for: a frame filtered per word and mark cost most of the figure)
    present = set(zip(df.loc[with_value, "vs_overall"], demo_rows[with_value]))
    for word, demo in [(w, d) for w in COMPARISON_COLOURS for d in (False, True) if (w, d) in present]:
        part = df[(df["vs_overall"] == word) & with_value & (demo_rows == demo)]
        # A demonstration value is a hollow grey dot, named so in the legend and its hover.
        marker = (
            dict(size=14, symbol="circle-open", color=DEMO_MARKER_COLOUR, line=dict(width=2.5))
            if demo
            else dict(size=14, color=COMPARISON_COLOURS[word], line=dict(color="#1F2328", width=1.5))
        )
        data.append(
            dict(
                type="scatter",
                x=part["value"].tolist(),
                y=part["Group"].tolist(),
                mode="markers",
                name=(
                    f"{word} than {area_name} overall"
                    if word not in ("Similar", "Not compared")
                    else f"{word} ({area_name} overall)"
                    if word == "Similar"
                    else "Not compared"
                )
                + (DEMO_LEGEND if demo else ""),
                marker=marker,
                error_x=dict(
                    type="data",
                    array=(part["upper95"] - part["value"]).clip(lower=0).fillna(0).tolist(),
                    arrayminus=(part["value"] - part["lower95"]).clip(lower=0).fillna(0).tolist(),
                    visible=True,
                    color="#1F2328",
                    thickness=1.5,
                    width=6,
                ),
                customdata=[
                    [value_with_note(v, ind.unit, n), format_ci(lo, hi, ind.unit) or "not given", vo, ve]
                    for v, n, lo, hi, vo, ve in zip(
                        part["value"],
                        part["value_note"],
                        part["lower95"],
                        part["upper95"],
                        part["vs_overall"],
                        part["vs_england"],
                    )
                ],
                hovertemplate=(
                    "<b>%{y}</b>"
                    + (DEMO_LEGEND if demo else "")
                    + ", "
                    + period
                    + "<br>Value: %{customdata[0]}<br>95% CI: %{customdata[1]}"
                    "<br>Compared with " + area_name + " overall: %{customdata[2]}"
                    "<br>Compared with England (same group): %{customdata[3]}<extra></extra>"
                ),
            )
        )
    eng = df[df["england_group"].notna()]
    if not eng.empty:
        data.append(
            dict(
                type="scatter",
                x=eng["england_group"].tolist(),
                y=eng["Group"].tolist(),
                mode="markers",
                name="England, same group",
                marker=dict(size=12, symbol="diamond-open", color="#1F2328", line=dict(width=2)),
                hovertemplate="England, %{y}: %{x:.1f}<extra></extra>",
            )
        )
    shapes, annotations = [], []
    overall = df["overall"].iloc[0] if len(df) else np.nan
    if pd.notna(overall):
        shapes.append(
            dict(
                type="line",
                xref="x",
                x0=overall,
                x1=overall,
                yref="y domain",
                y0=0,
                y1=1,
                line=dict(color=ENGLAND_LINE_COLOUR, width=2),
            )
        )
        annotations.append(
            dict(
                text=f"{area_name} overall {value_with_note(overall, ind.unit, None)}",
                xref="x",
                x=overall,
                yref="y domain",
                y=1,
                yanchor="bottom",
                showarrow=False,
            )
        )
    height = max(240, 120 + 44 * len(df))
    layout = dict(
        title=dict(
            text=f"{ind.short_name} ({ind.unit})<br>by {dimension.lower()}, {area_name}, {period}",
            x=0,
            font=dict(size=15),
        ),
        font=FONT,
        plot_bgcolor="#FFFFFF",
        height=height,
        margin=dict(l=10, r=20, t=80, b=60),
        shapes=shapes,
        annotations=annotations,
        hovermode="closest",
        legend=dict(orientation="h", x=0, y=-60 / height, yanchor="top"),
        yaxis=dict(type="category", categoryorder="array", categoryarray=order[::-1], automargin=True),
        xaxis=dict(gridcolor="#E6E6E6", **({"rangemode": "tozero"} if ind.unit != "count" else {})),
    )
    return figure(data, layout)


_LINE_STYLES = (
    ("#0072B2", "solid", "circle"),
    ("#D55E00", "dash", "square"),
    ("#009E73", "dot", "diamond"),
    ("#CC79A7", "dashdot", "triangle-up"),
    ("#E69F00", "longdash", "x"),
    ("#56B4E9", "solid", "cross"),
    ("#000000", "dash", "star"),
    ("#999999", "dot", "triangle-down"),
)


def over_time_figure(
    rows: pd.DataFrame, ind: Indicator, area_code: str, area_name: str, labels: Sequence[str], dimension: str, kind: str
):
    """The area's groups of one dimension over every period of one kind (years or quarters), a line each told apart
    by colour, dash and marker; the area's overall value in grey."""
    area = rows[(rows["area_code"] == area_code) & (rows["period_kind"] == kind)]
    order = area.drop_duplicates("period").sort_values("period_sortable")["period"].tolist()
    data = []
    for n, label in enumerate([DEFAULT_BREAKDOWN, *labels]):
        part = area[area["breakdown"] == label]
        if part.empty:
            continue
        if label == DEFAULT_BREAKDOWN:
            # filled: hollow grey markers mean demonstration data on every chart
            colour, dash, symbol, name = "#5C5F63", "solid", "circle", f"{area_name} overall"
        else:
            colour, dash, symbol = _LINE_STYLES[(n - 1) % len(_LINE_STYLES)]
            name = _plain(label)
        y = part["value"].astype(float)
        demo = part["is_demo"].fillna(False).astype(bool).tolist()
        hover = f"<b>{name}</b>%{{customdata}}, %{{x}}: %{{y:.1f}}<extra></extra>"
        name += DEMO_LEGEND if any(demo) else ""
        data.append(
            dict(
                type="scatter",
                x=part["period"].tolist(),
                y=y.tolist(),
                name=name,
                mode="lines+markers",
                line=dict(color=colour, dash=dash, width=2.5 if label != DEFAULT_BREAKDOWN else 2),
                marker=dict(
                    symbol=[f"{symbol}-open" if d else symbol for d in demo],
                    size=8,
                    color=[DEMO_MARKER_COLOUR if d else colour for d in demo],
                    line=dict(width=2),
                ),
                customdata=[DEMO_LEGEND if d else "" for d in demo],
                error_y=dict(
                    type="data",
                    array=(part["upper95"].astype(float) - y).clip(lower=0).fillna(0).tolist(),
                    arrayminus=(y - part["lower95"].astype(float)).clip(lower=0).fillna(0).tolist(),
                    visible=True,
                    color=colour,
                    thickness=1,
                    width=3,
                ),
                hovertemplate=hover,
            )
        )
    layout = dict(
        title=dict(
            text=f"{ind.short_name} ({ind.unit})<br>by {dimension.lower()} over time, {area_name}",
            x=0,
            font=dict(size=15),
        ),
        font=FONT,
        plot_bgcolor="#FFFFFF",
        height=440,
        margin=dict(l=10, r=10, t=90, b=10),
        legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"),
        hovermode="closest",
        xaxis=dict(type="category", categoryorder="array", categoryarray=order, title=dict(text="Period")),
        yaxis=dict(
            title=dict(text=ind.unit), gridcolor="#E6E6E6", **({"rangemode": "tozero"} if ind.unit != "count" else {})
        ),
    )
    return figure(data, layout), order


def groups_words(groups: pd.DataFrame, ind: Indicator, area_name: str, dimension: str, period: str) -> str:
    """The groups chart in words (its text alternative)."""
    said = "; ".join(
        f"{r.Group} "
        f"{value_with_note(r.value, ind.unit, r.value_note) if pd.notna(cast(float, r.value)) else 'no value'} "
        f"({r.vs_overall} compared with {area_name} overall; {r.vs_england} compared with England's {r.Group})"
        for r in groups.itertuples()
    )
    return f"{ind.short_name} by {dimension.lower()} in {area_name}, {period}: {said}."
