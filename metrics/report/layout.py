"""The report's contents in order, as plain blocks (headings, paragraphs, lists, tables, images) that every
renderer draws the same way: the Word, HTML and PDF reports say the same things in the same order."""

from __future__ import annotations

from dataclasses import dataclass, field

from metrics import presentation as pr
from metrics.report.model import (
    DEMO_WARNING,
    OGL,
    REAL_ONLY_NOTE,
    MetricFacts,
    ReportModel,
    revision_words,
)


@dataclass
class Heading:
    text: str
    level: int  # 0 the title, 1-3 Word's Heading 1-3


@dataclass
class Para:
    text: str
    kind: str = "normal"  # normal | lead (bold start, then text) | warning | note | caption
    lead: str = ""


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    caption: str
    demo_rows: list[bool] = field(default_factory=list)  # rows of demonstration figures (marked)


@dataclass
class Image:
    key: str
    alt: str
    caption: str


Block = Heading | Para | Bullets | Table | Image

DEMO_MARK = "Demo"


def _metric_line(m: MetricFacts, model: ReportModel) -> str:
    row = m.row
    line = f"{m.indicator.short_name}: {row['Value']} ({row['Period']})"
    if m.verdict in ("Better", "Worse", "Similar", "Higher", "Lower"):
        line += f", {m.verdict.lower()} {'to' if m.verdict == 'Similar' else 'than'} {model.benchmark_name}"
        bench = row["Region"] if model.benchmark == "Region" else row["England"]
        line += f" ({bench})" if bench else ""
    if m.trend and m.trend != "Cannot be calculated":
        line += f"; recent trend: {m.trend.lower()}"
    if m.indicator.target is not None and m.goal in ("Green", "Amber", "Red"):
        words = pr.goal_words(m.goal, m.indicator)
        line += f"; {words[0].lower()}{words[1:]}"
    return line + (" [demonstration figure]" if m.is_demo else "")


def outcome_columns(model: ReportModel) -> list[str]:
    cols = ["Indicator", "Tier", "Period", "Value", "95% CI"]
    if model.area.code != "E92000001":
        cols.append("England")
    if model.area.level in ("utla", "cdp"):
        cols.append("Region")
    cols += [model.compare_column, "Recent trend"]
    if any(m.indicator.target is not None for m in model.metrics):
        cols.append("Target")
    return cols + ["Data"]


def blocks(model: ReportModel) -> list[Block]:
    if model.paper is not None:  # the board paper (metrics/report/paper.py), then this data appendix
        from metrics.report.paper import front_blocks

        out: list[Block] = front_blocks(model, model.paper, lambda m: _metric_line(m, model))
    else:
        out = [Heading(model.title, 0)]
    out.append(Para(model.area_label, "lead", "Area: "))
    when = f"{model.data_as_of:%-d %B %Y, %H:%M}" if model.data_as_of else "unknown"
    out.append(Para(f"{when} (the latest change to the dashboard's data)", "lead", "Data as of: "))
    bench = "England" if model.benchmark == "England" else f"the region ({model.benchmark_name})"
    out.append(
        Para(
            f"{bench}; a figure is better or worse when its 95% confidence interval does not include the "
            "benchmark's value (Fingertips' method)",
            "lead",
            "Benchmark: ",
        )
    )
    out.append(Para(model.since.label, "lead", "Changes since: "))
    out.append(
        Para(f"{model.generated:%-d %B %Y, %H:%M}, by the Combating Drugs Outcomes Dashboard", "lead", "Generated: ")
    )
    if model.any_demo:
        out.append(Para(DEMO_WARNING, "warning"))
    elif not model.with_demonstration:
        out.append(Para(REAL_ONLY_NOTE, "note"))
    if model.restricted_note:
        out.append(Para(model.restricted_note, "note"))
    if model.area.level == "cdp":
        out.append(
            Para(
                f"{model.area.name} is a joint CDP footprint; its figures are aggregated by the dashboard "
                "from its members' counts where the method allows (otherwise none is shown).",
                "note",
            )
        )

    # ------------------------------------------------------------------ at a glance
    out.append(Heading("At a glance", 1))
    glance = model.at_a_glance()
    out.append(
        Table(
            list(glance.columns),
            [[str(v) for v in r] for r in glance.itertuples(index=False)],
            f"Indicators per outcome compared with {model.benchmark_name} (95% confidence interval), and "
            "against their targets where they have one. “Not compared” includes indicators without local "
            "figures; “As published” counts the publisher's own verdicts on figures without an interval, which the "
            "dashboard did not compute.",
        )
    )

    # ------------------------------------------------------------------ needs attention / going well
    for title, groups in (("Needs attention", model.needs_attention()), ("Going well", model.going_well())):
        out.append(Heading(title, 1))
        for name, metrics in groups.items():
            out.append(Heading(name, 2))
            if metrics:
                out.append(Bullets([_metric_line(m, model) for m in metrics]))
            else:
                out.append(Para("None.", "note"))

    # ------------------------------------------------------------------ what changed
    out.append(Heading(f"What changed since {model.since.label}", 1))
    for note in model.change_notes:
        out.append(Para(note))
    if model.revisions_since:
        out.append(Heading("Data loaded", 2))
        out.append(
            Table(
                # (the revision's words name its file: a column of its own repeated it and, unbroken, pushed the
                # counts off a PDF page)
                ["Revision", "By", "New", "Changed", "Removed"],
                [
                    [
                        revision_words(r),
                        r["author"] if isinstance(r.get("author"), str) else "",
                        f"{int(r['rows_new']):,}",
                        f"{int(r['rows_changed']):,}",
                        f"{int(r['rows_removed']):,}",
                    ]
                    for r in model.revisions_since
                ],
                "Every load and rollback since then, with its counts of stored values (all areas).",
            )
        )
    if model.changes:
        out.append(Heading(f"Changes to {model.area.name}'s figures", 2))
        out.append(
            Table(
                ["Change", "Indicator", "Area", "Period", "Before", "After", "Revision", "Source"],
                [
                    [c.kind, c.indicator, c.area, c.period, c.before, c.after, c.revision, c.source]
                    for c in model.changes
                ],
                "New periods, revised values (with their 95% confidence intervals; [demo] marks a demonstration "
                "figure) and verdicts that changed, as the pages showed them then and show them now."
                + (f" {model.changes_left_out} more changes are not listed." if model.changes_left_out else ""),
            )
        )

    # ------------------------------------------------------------------ per outcome
    out.append(Heading("Indicators by outcome", 1))
    cols = outcome_columns(model)
    for o in model.outcomes:
        out.append(Heading(o.name, 2))
        rows, demo = [], []
        for m in o.metrics:
            r = m.row
            cells = {
                **{c: str(r.get(c, "") or "") for c in cols},
                model.compare_column: m.verdict,
                "Data": DEMO_MARK if m.is_demo else "Real",
            }
            if not m.local:
                cells[model.compare_column] = "Not compared"
            rows.append([cells[c] for c in cols])
            demo.append(m.is_demo)
        out.append(
            Table(
                cols,
                rows,
                f"{o.name}: the latest period of each indicator for {model.area.name}. "
                f"Data: “{DEMO_MARK}” marks a demonstration figure, not a real one.",
                demo,
            )
        )
        for m in o.metrics:
            out.append(Para(" ".join(m.sentences), "lead", f"{m.indicator.short_name}. "))

    # ------------------------------------------------------------------ charts
    out.append(Heading("Charts", 1))
    for note in model.chart_notes:
        out.append(Para(note, "note"))
    for c in model.charts:
        out.append(Heading(c.image.title, 3))
        out.append(Image(c.key, c.alt, c.caption + (" Contains demonstration data." if c.is_demo else "")))

    # ------------------------------------------------------------------ appendix
    out.append(Heading("Appendix: sources and definitions", 1))
    out.append(
        Table(
            ["Indicator", "Definition", "Unit", "Polarity", "Source"],
            [
                [
                    m.indicator.short_name,
                    m.indicator.definition,
                    m.indicator.unit,
                    pr.POLARITY_WORDS.get(m.indicator.polarity, ""),
                    m.indicator.source,
                ]
                for m in model.metrics
            ],
            "The indicators of the Combating Drugs Outcomes Framework in this report.",
        )
    )
    out.append(Heading("Sources of the figures", 2))
    out.append(Bullets(model.figure_sources() or ["none"]))
    out.append(Heading("Methods", 2))
    out.append(
        Para(
            "Comparisons follow OHID's Fingertips: an area is significantly better or worse than the "
            "benchmark when the benchmark's value lies outside the area's 95% confidence interval, and "
            "similar otherwise; where neither direction is better the words are higher and lower. Figures "
            "without a confidence interval, and counts, are not compared. Recent trends test the last five "
            "periods of one kind (chi-squared test for trend for proportions, weighted regression "
            "otherwise). Targets: meets (the value reaches the target), misses not significantly (the "
            "target lies within the 95% interval), misses."
        )
    )
    out.append(Heading("Licence", 2))
    out.append(Para(OGL))
    return out
