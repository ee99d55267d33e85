"""Pure presentation helpers for the pages: formatting, table shaping, downloads and Plotly figures.

Nothing here imports Streamlit or touches the database, so every function is unit-tested on plain frames
(tests/metrics/test_presentation.py). Pages call these with query results from metrics.store.

Downloads: CSV files start with comment lines "# Source: ...", "# Data as of: ..." (read them with
`pandas.read_csv(f, comment="#")` or skip lines starting with "#"); each row also carries its own `source` and
`is_demo`. Excel files hold the table on a "data" sheet and the same lines on a "notes" sheet. Every text cell
that a spreadsheet could run as a formula (starting with =, +, -, @, tab or carriage return) gets a leading
apostrophe.
"""
from __future__ import annotations

import io
import math
from datetime import datetime
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from metrics.areas import ENGLAND_CODE, Geography
from metrics.catalogue import Indicator

# ---------------------------------------------------------------------------------------------------------------
# Colours and words. Okabe-Ito colours (safe for the common colour-vision deficiencies); words always go beside.
# ---------------------------------------------------------------------------------------------------------------

COMPARISON_COLOURS = {
    "Better": "#0072B2",       # blue
    "Similar": "#F0E442",      # yellow
    "Worse": "#B85000",        # dark vermilion: white text on it 5.0:1 (Okabe-Ito's #D55E00 gave 3.9:1)
    "Lower": "#CFE8F3",        # pale blue (no polarity)
    "Higher": "#56B4E9",       # sky blue (no polarity)
    "Not compared": "#E6E6E6",  # light grey
}
# Text colour readable on each background (WCAG contrast >= 4.5 for the dark ones).
COMPARISON_TEXT = {
    "Better": "#FFFFFF", "Similar": "#1F2328", "Worse": "#FFFFFF", "Lower": "#1F2328", "Higher": "#1F2328",
    "Not compared": "#1F2328",
}
COMPARISON_SYMBOL = {"Better": "▲", "Similar": "●", "Worse": "▼", "Lower": "◁", "Higher": "▷", "Not compared": "○"}

GOAL_WORDS = {
    "Green": "Meets target",
    "Amber": "Misses target (not significantly)",
    "Red": "Misses target",
    "Not compared": "No target",
}
GOAL_COLOURS = {"Green": "#0072B2", "Amber": "#F0E442", "Red": "#B85000", "Not compared": "#E6E6E6"}

TREND_ARROWS = {
    "Increasing and getting worse": "↑ worse",
    "Increasing and getting better": "↑ better",
    "Decreasing and getting worse": "↓ worse",
    "Decreasing and getting better": "↓ better",
    "Increasing": "↑",
    "Decreasing": "↓",
    "No significant change": "→ no significant change",
    "Cannot be calculated": "– cannot be calculated",
}

POLARITY_WORDS = {
    "lower_is_better": "Lower is better",
    "higher_is_better": "Higher is better",
    "no_polarity": "No judgement (neither higher nor lower is better)",
}
CI_WORDS = {
    "wilson": "Wilson score interval (proportions)",
    "byars": "Byar's method (crude rates and counts)",
    "dobson": "Dobson's method (directly standardised rates)",
    "none": "No confidence interval",
}
LEVEL_SUFFIX = {"england": "country", "region": "region", "cdp": "CDP footprint (joint)"}

ENGLAND_LINE_COLOUR = "#1F2328"
REGION_COLOUR = "#CC79A7"  # reddish purple
AREA_COLOUR = "#0072B2"
SUPPRESSED = "Suppressed"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def comparison_colour(word: Any) -> str:
    return COMPARISON_COLOURS.get(str(word), COMPARISON_COLOURS["Not compared"])


def comparison_word_colour(text: Any) -> str:
    """The colour of a cell that starts with a comparison word ("Better", "Not compared (...)")."""
    key = next((k for k in COMPARISON_COLOURS if isinstance(text, str) and text.startswith(k)), "Not compared")
    return COMPARISON_COLOURS[key]


def goal_colour(text: Any) -> str:
    """The colour of a target-status cell ("Meets target (...)", "Misses target ..."); grey otherwise."""
    for status, words in GOAL_WORDS.items():
        if isinstance(text, str) and text.startswith(words) and status != "Not compared":
            return GOAL_COLOURS[status]
    return GOAL_COLOURS["Not compared"]


def goal_style(word: Any) -> str:
    for status, words in GOAL_WORDS.items():
        if isinstance(word, str) and word.startswith(words) and status != "Not compared":
            colour = GOAL_COLOURS[status]
            text = "#FFFFFF" if status in ("Green", "Red") else "#1F2328"
            return f"background-color: {colour}; color: {text}"
    return ""


# ---------------------------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------------------------

def _missing(x: Any) -> bool:
    if x is None or x is pd.NA:
        return True
    try:
        return bool(np.isnan(float(x)))
    except (TypeError, ValueError):
        return False


def format_number(value: Any, unit: str) -> str:
    """A bare number to the dashboard's precision: counts as whole numbers, everything else to 1 decimal."""
    if _missing(value):
        return ""
    v = float(value)
    if unit == "count":
        return f"{v:,.0f}"
    return f"{v:,.1f}"


def format_value(value: Any, unit: str, note: Any = None) -> str:
    """A value with its unit ("51.7%", "16.0 per 1,000", "3,656"); "Suppressed" for a missing value that has a
    note (never 0), "No value" for one without."""
    if _missing(value):
        return SUPPRESSED if isinstance(note, str) and note.strip() else "No value"
    n = format_number(value, unit)
    if unit == "%":
        return f"{n}%"
    if unit == "count":
        return n
    return f"{n} {unit}"


def format_ci(lower: Any, upper: Any, unit: str) -> str:
    """The 95% interval as "48.2 to 55.1" (with % for percentages); "" when not available."""
    if _missing(lower) or _missing(upper):
        return ""
    suffix = "%" if unit == "%" else ""
    return f"{format_number(lower, unit)}{suffix} to {format_number(upper, unit)}{suffix}"


def format_count(count: Any) -> str:
    return "" if _missing(count) else f"{float(count):,.0f}"


def unit_words(unit: str) -> str:
    return {"%": "percentage (%)", "count": "count (number)"}.get(unit, f"rate {unit}")


def trend_words(trend: Any) -> str:
    return TREND_ARROWS.get(str(trend), str(trend) if isinstance(trend, str) else "")


def goal_words(status: Any, ind: Indicator) -> str:
    """Target status in words with the target's label; "" when the metric has no target."""
    if ind.target is None:
        return ""
    words = GOAL_WORDS.get(str(status), "No target")
    if str(status) == "Not compared":
        return f"Not assessed ({ind.target.label})"
    return f"{words} ({ind.target.label})"


# ---------------------------------------------------------------------------------------------------------------
# Areas
# ---------------------------------------------------------------------------------------------------------------

def area_label(code: str, geography: Geography) -> str:
    """"Buckinghamshire — South East" for an authority, "South East — region", "England — country",
    "Name — CDP footprint (joint)"."""
    area = geography.areas.get(code)
    if area is None:
        return code
    if area.level == "utla":
        region = geography.region_of(code)
        return f"{area.name} — {region.name}" if region else area.name
    return f"{area.name} — {LEVEL_SUFFIX.get(area.level, area.level)}"


def area_options(geography: Geography) -> list[str]:
    """Area codes in picker order: England, the regions, the authorities grouped by region, CDP footprints."""
    out = [ENGLAND_CODE] + [r.code for r in geography.regions()]
    regions = {r.code: r.name for r in geography.regions()}
    utlas = sorted(geography.utlas(), key=lambda a: (regions.get(a.region_code or "", "~"), a.name))
    out += [a.code for a in utlas]
    out += [f.code for f in geography.footprints()]
    return out


# ---------------------------------------------------------------------------------------------------------------
# Downloads
# ---------------------------------------------------------------------------------------------------------------

def problems_for_display(problems: pd.DataFrame) -> pd.DataFrame:
    """The validation report as the Upload page shows it: a problem of a whole row or of the whole file says so in
    its column, instead of an empty (None) cell. The downloadable report keeps the empty cells."""
    shown = problems.copy()
    column = shown["column"].astype(object)
    no_column = column.isna()
    shown["column"] = column.where(~no_column, np.where(shown["row"].isna(), "(whole file)", "(whole row)"))
    return shown


def neutralise_cell(x: Any) -> Any:
    """Prefix a text cell that a spreadsheet would run as a formula with an apostrophe; other cells unchanged."""
    if isinstance(x, str) and x.startswith(FORMULA_PREFIXES):
        return "'" + x
    return x


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` with every text cell neutralised (numbers stay numbers; column names too)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_cell).astype(object)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def download_notes(title: str, sources: Iterable[Any], data_as_of: datetime | None, any_demo: bool,
                   extra: Sequence[str] = ()) -> list[str]:
    """The lines that head a download: what it is, its sources, the date of the data, demonstration warning."""
    srcs = sorted({str(s) for s in sources if isinstance(s, str) and s})
    lines = [f"Title: {title}"]
    lines.append("Source: " + ("; ".join(srcs) if srcs else "none"))
    when = data_as_of.strftime("%Y-%m-%d %H:%M") if isinstance(data_as_of, datetime) else "unknown"
    lines.append(f"Data as of: {when} (latest change to the dashboard's database)")
    lines.append(f"Downloaded: {datetime.now().strftime('%Y-%m-%d %H:%M')}")
    if any_demo:
        lines.append("WARNING: contains DEMONSTRATION data (rows with is_demo = True), not real figures")
    lines.extend(extra)
    return [neutralise_cell(line.replace("\n", " ")) for line in lines]


def to_csv_bytes(df: pd.DataFrame, notes: Sequence[str]) -> bytes:
    """CSV with leading "# ..." note lines; every field quoted so a "#" inside a value is not read as a comment."""
    buf = io.StringIO()
    for line in notes:
        buf.write("# " + line.replace("\n", " ") + "\n")
    neutralise_formulas(df).to_csv(buf, index=False, quoting=1)  # csv.QUOTE_ALL
    return buf.getvalue().encode("utf-8")


def to_excel_bytes(df: pd.DataFrame, notes: Sequence[str], sheet: str = "data") -> bytes:
    """An .xlsx with the table on `sheet` and the note lines on a "notes" sheet; formulas neutralised."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        neutralise_formulas(df).to_excel(xl, sheet_name=sheet, index=False)
        pd.DataFrame({"notes": [neutralise_cell(n) for n in notes]}).to_excel(xl, sheet_name="notes", index=False)
    return buf.getvalue()


def export_frame(rows: pd.DataFrame, ind: Indicator) -> pd.DataFrame:
    """The rows of one metric as a download: names, units and words, plus raw numbers, note and source."""
    cols = {
        "metric_key": "metric_key", "area_code": "area_code", "area_name": "area_name", "period": "period",
        "value": "value", "lower95": "lower95", "upper95": "upper95", "count": "count", "denominator": "denominator",
        "value_note": "value_note", "compared_to_england": "compared_to_england", "recent_trend": "recent_trend",
        "source": "source", "is_demo": "is_demo",
    }
    keep = [c for c in cols if c in rows.columns]
    out = rows[keep].copy()
    out.insert(1, "metric_name", ind.name)
    out.insert(2, "unit", ind.unit)
    if "value" in out:
        out["value_shown"] = [format_value(v, ind.unit, n) for v, n in
                              zip(out["value"], out.get("value_note", [None] * len(out)))]
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------------------------

def value_with_note(value: Any, unit: str, note: Any) -> str:
    text = format_value(value, unit, note)
    if text == SUPPRESSED and isinstance(note, str):
        return f"{SUPPRESSED}: {note}"
    return text


def scorecard_rows(indicators: Sequence[Indicator], area_code: str, area_level: str, latest: pd.DataFrame,
                   england_latest: pd.DataFrame, region_latest: pd.DataFrame | None, sparks: pd.DataFrame,
                   benchmark: str = "England") -> pd.DataFrame:
    """One row per metric for the scorecard of one area.

    latest: store.latest_for_area(area); england_latest / region_latest: the same for England and the region;
    sparks: store.sparklines(area). benchmark "England" or "Region" chooses the comparison column.
    Metrics not published at the area's level show where they are published and England's value (never a
    local value); local measures show "No data uploaded yet" when the area has none.
    """
    by_metric = latest.set_index("metric_key") if not latest.empty else pd.DataFrame()
    eng = england_latest.set_index("metric_key") if not england_latest.empty else pd.DataFrame()
    reg = region_latest.set_index("metric_key") if region_latest is not None and not region_latest.empty \
        else pd.DataFrame()
    if not sparks.empty and not latest.empty:
        # Each metric's line keeps to the kind of period of the value beside it (years and quarters of one metric
        # are two series, not one line).
        kind = sparks["metric_key"].map(latest.drop_duplicates("metric_key").set_index("metric_key")["period_kind"])
        sparks = sparks[kind.isna().to_numpy() | (sparks["period_kind"] == kind).to_numpy()]
    spark = {k: g["value"].astype(float).tolist() for k, g in sparks.groupby("metric_key")} if not sparks.empty \
        else {}
    rows = []
    for ind in indicators:
        r = by_metric.loc[ind.key] if ind.key in by_metric.index else None
        level_ok = area_level in ind.levels or (area_level == "cdp" and ind.published_locally)
        base = {"key": ind.key, "Indicator": ind.short_name, "Tier": ind.tier.capitalize(), "Unit": ind.unit}
        note = ""
        if r is not None and level_ok:
            value_text = value_with_note(r["value"], ind.unit, r["value_note"])
            bench_col = "compared_to_england" if benchmark == "England" else "compared_to_region"
            comparison = r[bench_col]
            if isinstance(r.get("aggregation_note"), str) and r["aggregation_note"]:
                note = r["aggregation_note"]
            elif isinstance(r["value_note"], str) and not value_text.startswith(SUPPRESSED):
                note = r["value_note"]
            if not ind.benchmarkable and comparison == "Not compared":
                comparison = "Not compared"
                note = (note + "; " if note else "") + "counts of different sizes are not compared"
            row = {
                **base, "Period": r["period"], "Value": value_text,
                "95% CI": format_ci(r["lower95"], r["upper95"], ind.unit), "Count": format_count(r["count"]),
                "England": format_value(r["england_value"], ind.unit) if area_code != ENGLAND_CODE else "",
                "Region": format_value(r["region_value"], ind.unit) if area_level in ("utla", "cdp") else "",
                f"Compared with {benchmark}": comparison,
                "Recent trend": trend_words(r["recent_trend"]),
                "Target": goal_words(r["compared_to_goal"], ind),
                "Trend": spark.get(ind.key, []),
                "Note": note, "Source": _short_source(r["source"]), "is_demo": bool(r["is_demo"]),
            }
        else:
            if ind.tier == "local":
                note, value_words = "No data uploaded yet for this local measure", "No data uploaded yet"
            elif not level_ok:
                note = f"Not published for this area: published for {ind.geography_words}".replace(
                    "; England shown", "")
                value_words = "Not published locally"
            else:
                note, value_words = "No data for this area", "No data"
            e = eng.loc[ind.key] if ind.key in eng.index else None
            g = reg.loc[ind.key] if ind.key in reg.index else None
            row = {
                **base, "Period": e["period"] if e is not None else "", "Value": value_words, "95% CI": "",
                "Count": "",
                "England": value_with_note(e["value"], ind.unit, e["value_note"]) if e is not None else "",
                "Region": format_value(g["value"], ind.unit) if g is not None and area_level in ("utla", "cdp")
                else "",
                f"Compared with {benchmark}": "Not compared", "Recent trend": "",
                "Target": goal_words("Not compared", ind) if ind.target else "",
                "Trend": [], "Note": note + ("; England's value is in the England column" if e is not None
                                             and not (ind.tier == "local" and not level_ok) else ""),
                "Source": _short_source(e["source"]) if e is not None else "",
                "is_demo": bool(e["is_demo"]) if e is not None else False,
            }
        rows.append(row)
    return pd.DataFrame(rows)


def _short_source(src: Any) -> str:
    if not isinstance(src, str):
        return ""
    if src.startswith("DEMONSTRATION"):
        return "Demonstration data (not real)"
    return src


def in_area_profile(ind: Indicator) -> bool:
    """Published for local authorities and not a local measure: the metrics an area sits among England's
    authorities for (the tartan rug's rows; the spine's, counts apart)."""
    return ind.published_locally and ind.tier != "local"


def tartan_frame(indicators: Sequence[Indicator], latest: pd.DataFrame, area_codes: Sequence[str],
                 geography: Geography) -> pd.DataFrame:
    """Metrics x areas: each cell "value unit · comparison with England"; England's own value in a column.

    latest: store.latest_for_areas(area_codes + [England]). Metrics not published locally are left out.
    """
    by = {(r.metric_key, r.area_code): r for r in latest.itertuples()} if not latest.empty else {}
    rows = []
    for ind in indicators:
        if not in_area_profile(ind):
            continue
        row = {"key": ind.key, "Indicator": ind.short_name}
        eng = by.get((ind.key, ENGLAND_CODE))
        row["Period"] = eng.period if eng is not None else ""
        row["England"] = format_value(eng.value, ind.unit, eng.value_note) if eng is not None else "No data"
        for code in area_codes:
            r = by.get((ind.key, code))
            name = geography.areas[code].name if code in geography.areas else code
            if r is None:
                row[name] = "No data"
            else:
                period = "" if eng is not None and r.period == eng.period else f" ({r.period})"
                row[name] = f"{format_value(r.value, ind.unit, r.value_note)}{period} · {r.compared_to_england}"
        rows.append(row)
    return pd.DataFrame(rows)


def series_table(rows: pd.DataFrame, ind: Indicator) -> pd.DataFrame:
    """The trend data shown under a chart: one row per area and period, words and units included."""
    if rows.empty:
        return pd.DataFrame(columns=["Area", "Period", "Value", "95% CI", "Count", "Denominator", "England",
                                     "Compared with England", "Recent trend", "Note", "Source"])
    out = pd.DataFrame({
        "Area": rows["area_name"].to_numpy(),
        "Period": rows["period"].to_numpy(),
        "Value": [value_with_note(v, ind.unit, n) for v, n in zip(rows["value"], rows["value_note"])],
        "95% CI": [format_ci(lo, hi, ind.unit) for lo, hi in zip(rows["lower95"], rows["upper95"])],
        "Count": [format_count(c) for c in rows["count"]],
        "Denominator": [format_count(d) for d in rows["denominator"]],
        "England": [format_value(e, ind.unit) if c != ENGLAND_CODE else "" for e, c in
                    zip(rows["england_value"], rows["area_code"])],
        "Compared with England": rows["compared_to_england"].to_numpy(),
        "Recent trend": [trend_words(t) for t in rows["recent_trend"]],
        "Note": [n if isinstance(n, str) and not _missing(v) else (a if isinstance(a, str) else "")
                 for n, v, a in zip(rows["value_note"], rows["value"], rows.get("aggregation_note",
                                                                                 [None] * len(rows)))],
        "Source": [_short_source(s) for s in rows["source"]],
    })
    return out


# ---------------------------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------------------------

_FONT = dict(family="Arial, Helvetica, sans-serif", size=13, color="#1F2328")


def _hover_rows(rows: pd.DataFrame, ind: Indicator) -> list[list[str]]:
    out = []
    for r in rows.itertuples():
        note = r.value_note if isinstance(r.value_note, str) else ""
        agg = getattr(r, "aggregation_note", None)
        if isinstance(agg, str) and agg:
            note = (note + "; " if note else "") + agg
        out.append([
            format_value(r.value, ind.unit, r.value_note), format_ci(r.lower95, r.upper95, ind.unit) or "not given",
            format_count(r.count) or "not given", format_count(r.denominator) or "not given", note or "none",
            _short_source(r.source), str(r.compared_to_england),
        ])
    return out


_HOVER = ("<b>%{fullData.name}</b>, %{x}<br>Value: %{customdata[0]}<br>95% CI: %{customdata[1]}"
          "<br>Count: %{customdata[2]}<br>Denominator: %{customdata[3]}<br>Compared with England: %{customdata[6]}"
          "<br>Note: %{customdata[4]}<br>Source: %{customdata[5]}<extra></extra>")


def _figure(data: list[dict], layout: dict) -> go.Figure:
    """A figure from plain trace and layout dicts, built in one go. Plotly's add_trace / update_* / add_hline
    re-validate the whole figure on every call (a third of a second for the small multiples); these dicts use
    only documented attributes, checked by the tests and by plotly.js when it draws."""
    return go.Figure(data=data, layout=layout, _validate=False)


def _line_shape(axis: str, value: float, colour: str, dash: str | None, width: float) -> dict:
    """A full-height vertical (axis "x") or full-width horizontal (axis "y") reference line at `value`."""
    line = dict(color=colour, width=width, **({"dash": dash} if dash else {}))
    if axis == "x":
        return dict(type="line", xref="x", x0=value, x1=value, yref="y domain", y0=0, y1=1, line=line)
    return dict(type="line", yref="y", y0=value, y1=value, xref="x domain", x0=0, x1=1, line=line)


def trend_figure(rows: pd.DataFrame, ind: Indicator, area_codes: Sequence[str], period_order: Sequence[str],
                 periods_words: str = "all periods") -> go.Figure:
    """Lines over all periods for the given areas (first = the chosen area), 95% CI error bars, target line.
    `periods_words` ends the title: "all periods", or "all quarters" when the reader chose one kind."""
    data = []
    styles = [(AREA_COLOUR, "solid", "circle"), (ENGLAND_LINE_COLOUR, "dash", "square"),
              (REGION_COLOUR, "dot", "diamond")]
    for n, code in enumerate(area_codes):
        part = rows[rows["area_code"] == code]
        if part.empty:
            continue
        colour, dash, symbol = styles[min(n, len(styles) - 1)]
        y = part["value"].astype(float)
        err_plus = (part["upper95"].astype(float) - y).clip(lower=0)
        err_minus = (y - part["lower95"].astype(float)).clip(lower=0)
        data.append(dict(
            type="scatter", x=part["period"].tolist(), y=y.tolist(), name=str(part["area_name"].iloc[0]),
            mode="lines+markers", line=dict(color=colour, dash=dash, width=2.5),
            marker=dict(symbol=symbol, size=9, color=colour),
            error_y=dict(type="data", array=err_plus.fillna(0).tolist(), arrayminus=err_minus.fillna(0).tolist(),
                         visible=True, color=colour, thickness=1.2, width=4),
            customdata=_hover_rows(part, ind), hovertemplate=_HOVER, connectgaps=False,
        ))
    shapes, annotations = [], []
    if ind.target is not None:
        shapes.append(_line_shape("y", ind.target.value, "#009E73", "longdash", 2))
        annotations.append(dict(text=f"Target: {ind.target.label}", xref="x domain", x=0, xanchor="left",
                                yref="y", y=ind.target.value, yanchor="bottom", showarrow=False,
                                font=dict(color="#1F2328")))
    layout = dict(
        title=dict(text=f"{ind.short_name} ({ind.unit}), {periods_words}", x=0, font=dict(size=16)),
        font=_FONT, plot_bgcolor="#FFFFFF", height=420, margin=dict(l=10, r=10, t=60, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0, xanchor="left", title=dict(text="")),
        hovermode="closest", shapes=shapes, annotations=annotations,
        xaxis=dict(title=dict(text="Period"), categoryorder="array", categoryarray=list(period_order),
                   type="category", showgrid=False, linecolor="#888"),
        yaxis=dict(title=dict(text=ind.unit), gridcolor="#E6E6E6",
                   **({"rangemode": "tozero"} if ind.unit != "count" else {})),
    )
    return _figure(data, layout)


def compare_bar_figure(rows: pd.DataFrame, ind: Indicator, england_value: Any, period: str,
                       sort_by: str = "Value") -> go.Figure:
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
    for word in COMPARISON_COLOURS:
        part = df[df["compared_to_england"] == word]
        if part.empty:
            continue
        y = part["value"]
        data.append(dict(
            type="bar", x=y.tolist(), y=part["area_name"].tolist(), orientation="h", name=word,
            marker=dict(color=comparison_colour(word), line=dict(color="#1F2328", width=1)),
            error_x=dict(type="data", array=(part["upper95"].astype(float) - y).clip(lower=0).fillna(0).tolist(),
                         arrayminus=(y - part["lower95"].astype(float)).clip(lower=0).fillna(0).tolist(),
                         visible=True, color="#1F2328", thickness=1.5, width=5),
            text=[f"{format_value(v, ind.unit, n)} · {word}" for v, n in zip(part["value"], part["value_note"])],
            textposition="inside", insidetextanchor="start", constraintext="none",
            textfont=dict(color=COMPARISON_TEXT.get(word, "#1F2328")),
            customdata=_hover_rows(part, ind), hovertemplate=hover,
        ))
    shapes, annotations = [], []
    if not _missing(england_value):
        shapes.append(_line_shape("x", float(england_value), ENGLAND_LINE_COLOUR, "dash", 2))
        annotations.append(dict(text=f"England {format_value(england_value, ind.unit)}", xref="x",
                                x=float(england_value), xanchor="center", yref="y domain", y=1, yanchor="bottom",
                                showarrow=False, font=dict(color="#1F2328")))
    xmax = np.nanmax(np.concatenate([df["upper95"].astype(float).to_numpy(), df["value"].to_numpy(),
                                     [float(england_value) if not _missing(england_value) else np.nan]]))
    height = max(260, 90 + 46 * len(df))
    layout = dict(
        title=dict(text=f"{ind.short_name} ({ind.unit}), {period}: areas compared with England", x=0,
                   font=dict(size=16)),
        font=_FONT, plot_bgcolor="#FFFFFF", barmode="overlay", height=height,
        margin=dict(l=10, r=30, t=60, b=90),
        legend=dict(orientation="h", yanchor="top", y=-70 / height - 0.05, x=0,
                    title=dict(text="Compared with England:")),
        shapes=shapes, annotations=annotations,
        yaxis=dict(categoryorder="array", categoryarray=order, type="category", automargin=True),
        xaxis=dict(title=dict(text=ind.unit), gridcolor="#E6E6E6", rangemode="tozero",
                   **({"range": [0, xmax * 1.1]} if np.isfinite(xmax) and xmax > 0 else {})),
    )
    return _figure(data, layout)


def small_multiples_figure(rows: pd.DataFrame, ind: Indicator, area_codes: Sequence[str],
                           period_order: Sequence[str]) -> go.Figure:
    """One small panel per area: the area's line and England's dashed line over all periods. The panels share
    the y axis (as plotly's make_subplots(shared_yaxes=True) lays them out)."""
    codes = [c for c in area_codes if c != ENGLAND_CODE and not rows[rows["area_code"] == c].empty]
    if not codes:
        return go.Figure()
    names = [str(rows.loc[rows["area_code"] == c, "area_name"].iloc[0]) for c in codes]
    ncols = min(3, len(codes))
    nrows = math.ceil(len(codes) / ncols)
    hspace, vspace = 0.05, (0.18 if nrows > 1 else 0.1)
    width = (1 - hspace * (ncols - 1)) / ncols
    height = (1 - vspace * (nrows - 1)) / nrows
    eng = rows[rows["area_code"] == ENGLAND_CODE]
    eng_x, eng_y = eng["period"].tolist(), eng["value"].astype(float).tolist()
    eng_hover = _hover_rows(eng, ind) if not eng.empty else []
    data, annotations, layout = [], [], {}
    for n, code in enumerate(codes):
        r, c = n // ncols, n % ncols
        suffix = "" if n == 0 else str(n + 1)
        x0 = c * (width + hspace)
        y1 = 1 - r * (height + vspace)
        layout[f"xaxis{suffix}"] = dict(domain=[x0, x0 + width], anchor=f"y{suffix}", type="category",
                                        categoryorder="array", categoryarray=list(period_order), tickangle=-45)
        layout[f"yaxis{suffix}"] = dict(domain=[y1 - height, y1], anchor=f"x{suffix}", gridcolor="#E6E6E6",
                                        rangemode="tozero", **({} if n == 0 else {"matches": "y"}),
                                        **({} if c == 0 else {"showticklabels": False}))
        annotations.append(dict(text=names[n], xref="paper", yref="paper", x=x0 + width / 2, y=y1,
                                xanchor="center", yanchor="bottom", showarrow=False, font=dict(size=16)))
        part = rows[rows["area_code"] == code]
        data.append(dict(type="scatter", x=part["period"].tolist(), y=part["value"].astype(float).tolist(),
                         xaxis=f"x{suffix}", yaxis=f"y{suffix}", name="Area", mode="lines+markers",
                         line=dict(color=AREA_COLOUR, width=2.5), marker=dict(size=7), showlegend=n == 0,
                         legendgroup="area", customdata=_hover_rows(part, ind),
                         hovertemplate=_HOVER.replace("%{fullData.name}", names[n])))
        if not eng.empty:
            data.append(dict(type="scatter", x=eng_x, y=eng_y, xaxis=f"x{suffix}", yaxis=f"y{suffix}",
                             name="England", mode="lines", showlegend=n == 0, legendgroup="eng",
                             line=dict(color=ENGLAND_LINE_COLOUR, dash="dash", width=1.5), customdata=eng_hover,
                             hovertemplate=_HOVER.replace("%{fullData.name}", "England")))
    layout.update(
        title=dict(text=f"{ind.short_name} ({ind.unit}) over time, each area against England", x=0,
                   font=dict(size=16)),
        font=_FONT, plot_bgcolor="#FFFFFF", height=300 * nrows + 60, margin=dict(l=10, r=10, t=90, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.08, x=1, xanchor="right"), annotations=annotations,
    )
    return _figure(data, layout)


SPINE_RANGE_COLUMNS = ["key", "Period", "worst", "q25", "q75", "best", "n"]


def spine_ranges(indicators: Sequence[Indicator], level_values: pd.DataFrame, spine_stats) -> pd.DataFrame:
    """Per metric on the spine: the authorities' latest period and England's range in it (worst, q25, q75, best,
    n; oriented by polarity). The same for every area, so the pages compute it once per data version.

    On the spine: metrics published for local authorities, not local measures, and not counts (people in
    treatment: England's total is no centre for an area's count)."""
    rows = []
    # Split the frame once by metric (filtering the whole frame per metric cost ~0.1 s a page).
    by_metric = {k: g for k, g in level_values.groupby("metric_key", sort=False)} if not level_values.empty else {}
    for ind in indicators:
        if not in_area_profile(ind) or not ind.benchmarkable:
            continue
        vals = by_metric.get(ind.key)
        if vals is None or vals.empty:
            continue
        rows.append({"key": ind.key, "Period": vals["period"].iloc[0],
                     **spine_stats(vals["value"].to_numpy(float), ind.polarity)})
    return pd.DataFrame(rows, columns=SPINE_RANGE_COLUMNS)


def spine_rows(indicators: Sequence[Indicator], ranges: pd.DataFrame, area_latest: pd.DataFrame,
               england_latest: pd.DataFrame, region_latest: pd.DataFrame | None) -> pd.DataFrame:
    """The spine chart's rows for one area: each metric of `ranges` (spine_ranges) with the area's, England's and
    the region's values in the range's period, positions normalised around England (Fingertips): England at 0,
    the further extreme at +/-1, worse to the left."""
    rows = []

    def split(df):
        if df is None or df.empty:
            return {}
        return {k: g for k, g in df.groupby(["metric_key", "period"], sort=False)}

    area_by, eng_by, reg_by = split(area_latest), split(england_latest), split(region_latest)
    by_key = {r["key"]: r for r in ranges.to_dict("records")}
    empty = pd.DataFrame()
    for ind in indicators:
        st_ = by_key.get(ind.key)
        if st_ is None:
            continue
        period = st_["Period"]
        a, e, g = (d.get((ind.key, period), empty) for d in (area_by, eng_by, reg_by))
        area_v = float(a["value"].iloc[0]) if not a.empty else np.nan
        eng_v = float(e["value"].iloc[0]) if not e.empty else np.nan
        reg_v = float(g["value"].iloc[0]) if not g.empty else np.nan
        sign = -1.0 if ind.polarity == "lower_is_better" else 1.0
        extent = np.nanmax([abs(st_["worst"] - eng_v), abs(st_["best"] - eng_v)]) if not _missing(eng_v) else np.nan
        pos = (lambda v: sign * (v - eng_v) / extent if extent and np.isfinite(extent) and not _missing(v)
               else np.nan)
        rows.append({
            "key": ind.key, "outcome": ind.outcome, "Indicator": ind.short_name, "unit": ind.unit, "Period": period,
            "area_value": area_v, "england_value": eng_v, "region_value": reg_v,
            "worst": st_["worst"], "q25": st_["q25"], "q75": st_["q75"], "best": st_["best"], "n": st_["n"],
            "p_worst": pos(st_["worst"]), "p_q25": pos(st_["q25"]), "p_q75": pos(st_["q75"]),
            "p_best": pos(st_["best"]), "p_area": pos(area_v), "p_region": pos(reg_v),
            "comparison": a["compared_to_england"].iloc[0] if not a.empty else "Not compared",
            "value_note": a["value_note"].iloc[0] if not a.empty else "No data for this area",
            "is_demo": bool(a["is_demo"].iloc[0]) if not a.empty else False,
            "source": a["source"].iloc[0] if not a.empty else "",
        })
    return pd.DataFrame(rows)


def spine_figure(spine: pd.DataFrame, area_name: str, region_name: str | None, title: str,
                 groups: dict[str, str] | None = None) -> go.Figure:
    """Fingertips-style spine chart: grey bands worst..q25, q25..q75, q75..best; England the centre line;
    the area a circle coloured by comparison with England; the region a hollow diamond.

    groups (outcome key -> heading, in order): draw every outcome in one chart, each under a bold heading row,
    instead of one chart per outcome (one chart draws much faster in the browser than several)."""
    df = spine.reset_index(drop=True)
    labels = [f"{r.Indicator} ({r.Period})" for r in df.itertuples()]
    order = list(labels)  # top to bottom
    headings: list[str] = []
    if groups:
        present = [k for k in groups if (df["outcome"] == k).any()]
        df = pd.concat([df[df["outcome"] == k] for k in present], ignore_index=True)
        labels = [f"{r.Indicator} ({r.Period})" for r in df.itertuples()]
        order = []
        for k in present:
            headings.append(f'<span style="font-size:15px;color:#1F2328"><b>{groups[k]}</b></span>')
            order.append(headings[-1])
            order += [lab for lab, o in zip(labels, df["outcome"]) if o == k]
    data = []
    # Plot the bands as three bars from -1..q25 etc. Positions already oriented: worse is negative.
    seg = [("p_worst", "p_q25", "#C7C7C7", "Worst to 25th percentile"),
           ("p_q25", "p_q75", "#8C8C8C", "25th to 75th percentile"),
           ("p_q75", "p_best", "#C7C7C7", "75th percentile to best")]
    for n, (lo, hi, colour, name) in enumerate(seg):
        base = df[lo].astype(float)
        data.append(dict(
            type="bar", y=labels, x=(df[hi].astype(float) - base).tolist(), base=base.tolist(), orientation="h",
            marker=dict(color=colour), name=name, showlegend=n < 2, hoverinfo="skip", width=0.4,
        ))
    if headings:  # the heading rows hold no data: an invisible point each so the axis keeps their rows
        data.append(dict(type="scatter", x=[0] * len(headings), y=headings, mode="markers",
                         marker=dict(opacity=0), showlegend=False, hoverinfo="skip", name="Outcome"))
    fmt = lambda v, u: format_value(v, u) if not _missing(v) else "no value"  # noqa: E731
    hover_area = [
        f"<b>{area_name}</b>: {format_value(r.area_value, r.unit, r.value_note)} ({r.comparison} than/as England)"
        f"<br>England: {fmt(r.england_value, r.unit)}<br>Region: {fmt(r.region_value, r.unit)}"
        f"<br>Worst: {fmt(r.worst, r.unit)} · 25th: {fmt(r.q25, r.unit)} · 75th: {fmt(r.q75, r.unit)}"
        f" · Best: {fmt(r.best, r.unit)} ({r.n} authorities)" for r in df.itertuples()
    ]
    for word in COMPARISON_COLOURS:
        mask = (df["comparison"] == word) & df["p_area"].notna()
        if not mask.any():
            continue
        data.append(dict(
            type="scatter", x=df.loc[mask, "p_area"].tolist(), y=[labels[i] for i in np.flatnonzero(mask)], mode="markers",
            name=f"{area_name}: {word}", marker=dict(size=15, color=comparison_colour(word),
                                                   line=dict(color="#1F2328", width=1.5), symbol="circle"),
            hovertext=[hover_area[i] for i in np.flatnonzero(mask)], hoverinfo="text",
        ))
    if region_name and df["p_region"].notna().any():
        m = df["p_region"].notna()
        data.append(dict(
            type="scatter", x=df.loc[m, "p_region"].tolist(), y=[labels[i] for i in np.flatnonzero(m)], mode="markers",
            name=region_name, marker=dict(size=12, symbol="diamond-open", color="#1F2328", line=dict(width=2)),
            hovertext=[hover_area[i] for i in np.flatnonzero(m)], hoverinfo="text",
        ))
    n_rows = len(order)
    # Each row's label sits above its band, left-aligned, instead of on the axis: the bands keep the full width at
    # any screen width (as axis labels they took three quarters of a phone's width). (issue 18)
    row_labels = [dict(text=label, xref="paper", x=0, xanchor="left", yref="y", y=label, yanchor="bottom",
                       yshift=12, showarrow=False, align="left", bgcolor="rgba(255,255,255,0.85)",
                       font=dict(size=13 if label in headings else 12))
                  for label in order]
    layout = dict(
        title=dict(text=title, x=0, font=dict(size=15)), font=_FONT, plot_bgcolor="#FFFFFF",
        barmode="overlay", height=170 + 52 * n_rows, margin=dict(l=10, r=10, t=40, b=30), annotations=row_labels,
        legend=dict(orientation="h", yanchor="top", y=-0.08 - 0.5 / max(n_rows, 1), x=0, font=dict(size=11)),
        shapes=[_line_shape("x", 0, ENGLAND_LINE_COLOUR, None, 2.5)],
        xaxis=dict(range=[-1.08, 1.08], tickvals=[-1, 0, 1], ticktext=["◀ Worst", "England", "Best ▶"],
                   showgrid=False, zeroline=False, fixedrange=True),
        # First row at the top: a category axis draws its first category at the bottom.
        yaxis=dict(automargin=True, fixedrange=True, type="category", categoryorder="array",
                   categoryarray=order[::-1], showticklabels=False),
    )
    return _figure(data, layout)
