"""The scorecard's summary as an HTML table that fits the screen: indicator, period, value, verdict, recent trend and
target, wrapping instead of scrolling; on a phone (narrower than 700 px) indicator, value and verdict only. Verdicts
are words with their symbol on a coloured label (text contrast at least 4.5:1). The full table with every column
stays on the page as a data table, on demand. Pure: scorecard rows (metrics.presentation.scorecard_rows) in, HTML
out; every text is escaped.
"""

from __future__ import annotations

import html

import pandas as pd

from metrics.presentation import (
    COMPARISON_COLOURS,
    COMPARISON_OUTLINE,
    COMPARISON_SYMBOL,
    COMPARISON_TEXT,
    DEMO_MARK,
    GOAL_COLOURS,
    GOAL_WORDS,
)

STYLE = """<style>
.cdof-summary { width: 100%; border-collapse: collapse; font-size: 0.95rem; margin-bottom: 0.5rem; }
.cdof-summary caption { text-align: left; font-weight: 600; padding: 0.25rem 0; }
.cdof-summary th { text-align: left; font-weight: 600; padding: 0.3rem 0.5rem; }
.cdof-summary thead th { border-bottom: 2px solid #8C8C8C; }
.cdof-summary tbody th { border-bottom: 1px solid #D0D7DE; vertical-align: top; }
.cdof-summary td { border-bottom: 1px solid #D0D7DE; padding: 0.3rem 0.5rem; vertical-align: top; }
.cdof-summary td.cdof-value { white-space: nowrap; }
.cdof-summary td.cdof-reason { white-space: normal; min-width: 12rem; }
.cdof-pill { display: inline-block; border-radius: 0.8rem; padding: 0.05rem 0.55rem; white-space: nowrap;
             border: 1px solid #1F2328; }
.cdof-sub { display: block; font-size: 0.8rem; color: #5C5F63; }
.cdof-demo { font-style: italic; color: #5C5F63; }
.cdof-narrow { display: none; }
@media (max-width: 700px) { .cdof-wide { display: none; } .cdof-narrow { display: block; }
                            .cdof-summary td.cdof-value { white-space: normal; }
                            .cdof-summary { font-size: 0.9rem; } }
</style>"""


def _pill(text: str, background: str, colour: str, outline: str | None = None) -> str:
    border = f";border:2px dashed {outline}" if outline else ""
    return f'<span class="cdof-pill" style="background:{background};color:{colour}{border}">{html.escape(text)}</span>'


def verdict_pill(word: str) -> str:
    """A comparison word with its symbol on its colour: "▼ Worse"; a publisher's verdict pale, with a dashed
    outline: "△ Better (as published)"."""
    word = word if word in COMPARISON_COLOURS else "Not compared"
    return _pill(
        f"{COMPARISON_SYMBOL[word]} {word}",
        COMPARISON_COLOURS[word],
        COMPARISON_TEXT[word],
        COMPARISON_OUTLINE.get(word),
    )


def target_pill(text: str) -> str:
    """ "Meets target" / "Misses target ..." on the goal's colour, the target's own words beneath; "" without one."""
    if not text:
        return ""
    for status, words in GOAL_WORDS.items():
        if status != "Not compared" and text.startswith(words):
            rest = text[len(words) :].strip()
            colour = "#FFFFFF" if status in ("Green", "Red") else "#1F2328"
            return _pill(words, GOAL_COLOURS[status], colour) + (
                f'<span class="cdof-sub">{html.escape(rest.strip("()"))}</span>' if rest else ""
            )
    return f'<span class="cdof-sub">{html.escape(text)}</span>'


# A value with its unit ("144.4 per 10,000") stays on one line; a reason in words (an aggregate's "Not aggregated:
# a directly standardised rate cannot ...") wraps in its column instead of pushing the table off the page.
_ONE_LINE = 24


def _value_class(text: str) -> str:
    return "cdof-value" if len(text) <= _ONE_LINE else "cdof-reason"


def _sub(text) -> str:
    """A line of smaller text under a cell's own (an earlier comparable figure or trend, with its period)."""
    return f"<span class='cdof-sub'>{html.escape(str(text))}</span>" if isinstance(text, str) and text else ""


def _members(text) -> str:
    """A footprint's members' own figures, one a line, under the reason the footprint has none."""
    if not isinstance(text, str) or not text:
        return ""
    lines = "".join(f"<span class='cdof-sub'>{html.escape(part)}</span>" for part in text.split("; "))
    return f"<span class='cdof-sub'><b>Members' own figures:</b></span>{lines}"


def summary_html(rows: pd.DataFrame, compare_col: str, caption: str) -> str:
    """One outcome's rows as a table. Columns hidden on a phone carry the class cdof-wide; the period also shows
    under the value there."""
    head = (
        "<tr><th scope='col'>Indicator</th><th scope='col' class='cdof-wide'>Period</th>"
        f"<th scope='col'>Value</th><th scope='col'>{html.escape(compare_col)}</th>"
        "<th scope='col' class='cdof-wide'>Recent trend</th>"
    )
    has_target = "Target" in rows.columns and rows["Target"].fillna("").astype(bool).any()
    head += "<th scope='col' class='cdof-wide'>Target</th></tr>" if has_target else "</tr>"
    body = []
    for r in rows.to_dict("records"):
        period = html.escape(str(r.get("Period") or ""))
        value = str(r["Value"])
        # A demonstration value says so in its cell, as "Demo · 38.8%" does in the table with every column.
        demo = f"<span class='cdof-demo'>{DEMO_MARK}</span> · " if r.get("Data") == DEMO_MARK else ""
        cells = [
            f"<th scope='row' style='font-weight:normal'>{html.escape(str(r['Indicator']))}</th>",
            f"<td class='cdof-wide'>{period}</td>",
            f"<td class='{_value_class(value)}'>{demo}{html.escape(value)}"
            + (f"<span class='cdof-sub cdof-narrow'>{period}</span>" if period else "")
            + _members(r.get("Members"))
            + "</td>",
            f"<td>{verdict_pill(str(r.get(compare_col) or 'Not compared'))}{_sub(r.get('Latest compared'))}</td>",
            f"<td class='cdof-wide'>{html.escape(str(r.get('Recent trend') or ''))}{_sub(r.get('Earlier trend'))}</td>",
        ]
        if has_target:
            cells.append(f"<td class='cdof-wide'>{target_pill(str(r.get('Target') or ''))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<table class='cdof-summary'><caption>{html.escape(caption)}</caption><thead>{head}</thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


PROFILE_STYLE = """<style>
.cdof-profile-wrap { overflow-x: auto; max-width: 100%; }
.cdof-profile { width: 100%; border-collapse: collapse; font-size: 0.88rem; }
.cdof-profile caption { text-align: left; font-weight: 600; padding: 0.25rem 0; }
.cdof-profile th, .cdof-profile td { padding: 0.25rem 0.4rem; border-bottom: 1px solid #D0D7DE; vertical-align: top; }
.cdof-profile thead th { border-bottom: 2px solid #8C8C8C; text-align: right; font-weight: 600; }
.cdof-profile thead th:first-child, .cdof-profile tbody th { text-align: left; font-weight: normal; }
.cdof-profile td { text-align: right; white-space: nowrap; }
.cdof-profile tr.cdof-outcome th { font-weight: 600; padding-top: 0.6rem; border-bottom: 1px solid #8C8C8C; }
.cdof-profile .cdof-sub { display: block; font-size: 0.78rem; color: #5C5F63; }
.cdof-profile .cdof-demo { font-style: italic; color: #5C5F63; }
.cdof-profile td.cdof-reason { white-space: normal; text-align: left; font-size: 0.8rem; min-width: 8rem; }
@media (max-width: 700px) { .cdof-profile { font-size: 0.8rem; }
                            .cdof-profile th, .cdof-profile td { padding: 0.2rem; } }
</style>"""


def profile_table_html(spine: pd.DataFrame, groups: dict[str, str], area_name: str) -> str:
    """Fingertips' table beside the spine chart: per indicator (under its outcome) the area's value with its
    verdict's symbol (the word on hover and in the chart's words), its count, England's value and the
    authorities' worst or lowest and best or highest. spine: metrics.presentation.spine_rows."""
    from metrics.presentation import format_count, format_number, period_words, value_or_reason

    # Numbers without their unit (it is under the indicator's name), so that six columns fit half a laptop screen.
    def fmt(v, unit) -> str:
        return "" if pd.isna(v) else format_number(v, unit)

    head = (
        "<tr><th scope='col'>Indicator (period)</th>"
        "<th scope='col'>Value</th><th scope='col'>Count</th><th scope='col'>England</th>"
        "<th scope='col'>Worst or lowest</th><th scope='col'>Best or highest</th></tr>"
    )
    body = []
    for key, name in groups.items():
        part = spine[spine["outcome"] == key]
        if part.empty:
            continue
        body.append(f"<tr class='cdof-outcome'><th scope='rowgroup' colspan='6'>{html.escape(name)}</th></tr>")
        for r in part.to_dict("records"):
            unit = str(r["unit"])
            # a missing value says why in words (suppressed, not aggregated ...), wrapping in its cell
            has_value = pd.notna(r["area_value"])
            if has_value:
                value = format_number(r["area_value"], unit)
            elif not any(isinstance(r.get(c), str) and r.get(c) for c in ("source", "aggregation_note")):
                # no row for the area in this period (a note on it would read "Suppressed")
                value = f"No value for {area_name} in {period_words(r['Period'])}"
            else:
                value = value_or_reason(r["area_value"], unit, r.get("value_note"), r.get("aggregation_note"))
            n = int(r["n"]) if pd.notna(r.get("n")) else 0
            # the range rests on the authorities with a figure: said where it is not nearly all of them
            few = f"<span class='cdof-sub'>of {n} authorit{'y' if n == 1 else 'ies'}</span>" if n < 100 else ""
            demo = f"<span class='cdof-demo'>{DEMO_MARK}</span> · " if r.get("is_demo") else ""
            word = str(r.get("comparison") or "Not compared")
            verdict = f" <span title='{html.escape(word)}'>{COMPARISON_SYMBOL.get(word, '')}</span>"
            body.append(
                "<tr>"
                f"<th scope='row'>{html.escape(str(r['Indicator']))} "
                f"<span class='cdof-sub'>{html.escape(period_words(r['Period']))} · {html.escape(unit)}</span></th>"
                f"<td{'' if has_value else ' class=cdof-reason'}>{demo}{html.escape(value)}{verdict}</td>"
                f"<td>{html.escape(format_count(r.get('count')))}</td>"
                f"<td>{html.escape(fmt(r['england_value'], unit))}</td>"
                f"<td>{html.escape(fmt(r['worst'], unit))}</td>"
                f"<td>{html.escape(fmt(r['best'], unit))}{few}</td>"
                "</tr>"
            )
    # (a phone scrolls the table sideways rather than cutting its last columns off)
    return (
        # (focusable and named: a region that scrolls must be reachable by keyboard)
        f"<div class='cdof-profile-wrap' tabindex='0' role='region' aria-label='Figures of the spine chart'>"
        f"<table class='cdof-profile'><caption>The spine's figures: "
        f"{html.escape(area_name)}, England and the range of England's authorities</caption><thead>{head}</thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def anchor(heading: str) -> str:
    """The id Streamlit gives a Markdown heading ("Reduce drug-related deaths and harm" ->
    "reduce-drug-related-deaths-and-harm"), for links that jump to it."""
    return "-".join("".join(ch for ch in heading.lower() if ch.isalnum() or ch in " -").split())
