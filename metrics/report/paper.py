"""The board paper around the figures: the partnership's own words (paper details, delivery plan, commentary) as the
report needs them, and the blocks that put them before the data appendix.

Facts: `collect_paper` reads the area's paper details, plan and commentary as they stand, and the plan as it stood
at the "changes since" revision (the last board), so the paper lists actions whose status changed. Layout:
`front_blocks` (cover, recommendation, executive summary, a section per priority mixing the figures its actions
are meant to move, their commentary and charts, and the actions; disparities, implications, contacts; what
changed; the red list), then layout.blocks' data appendix. A paper with nothing written still builds, and says
which parts are to be written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from metrics.paper.edits import commentary_for
from metrics.paper.view import metric_keys_of, needs_attention, plan_table
from metrics.paper.words import DETAIL_FIELDS, status_word
from metrics.store.narrative import COMMENTARY, PAPER_DETAILS, PLAN_ACTIONS

TO_BE_WRITTEN = "To be written"


@dataclass
class PaperFacts:
    details: dict = field(default_factory=dict)  # PAPER_DETAILS' fields, with written_by / written_at
    plan: pd.DataFrame = field(default_factory=pd.DataFrame)  # metrics.paper.view.plan_table
    commentary: pd.DataFrame = field(default_factory=pd.DataFrame)  # the area's commentaries, every period
    status_changes: list[dict] = field(default_factory=list)  # action, before, after, lead

    def detail(self, name: str) -> str | None:
        value = self.details.get(name)
        return None if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "" else value

    @property
    def missing(self) -> list[str]:
        """The parts of the paper nobody has written yet, in words."""
        parts = [DETAIL_FIELDS[n].label for n in ("title", "recommendation", "executive_summary") if not self.detail(n)]
        if self.plan.empty:
            parts.append("Delivery plan")
        if self.commentary.empty:
            parts.append("Commentary on the figures")
        return parts


def collect_paper(store, catalogue, area_code: str, since_revision: int | None, today: date | None = None):
    """The area's words for its paper (see the module's docstring)."""
    today = today or date.today()
    details = store.narrative(PAPER_DETAILS, [area_code])
    actions = store.narrative(PLAN_ACTIONS, [area_code])
    latest = store.latest_for_area(area_code, catalogue.period_kinds())
    plan = plan_table(actions, latest, catalogue, today)
    changes = []
    if len(actions):
        before = store.narrative(PLAN_ACTIONS, [area_code], as_of=since_revision) if since_revision else None
        was = dict(zip(before["action_id"], before["status"])) if before is not None and len(before) else {}
        for r in plan.to_dict("records"):
            then = was.get(r["action_id"])
            if then != r["status"]:
                changes.append(
                    {"action": r["action"], "lead": r["lead"], "before": then or "New action", "after": r["status"]}
                )
    return PaperFacts(
        details=details.iloc[0].to_dict() if len(details) else {},
        plan=plan,
        commentary=store.narrative(COMMENTARY, [area_code]),
        status_changes=changes,
    )


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _date_words(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return f"{pd.Timestamp(value):%-d %B %Y}"


def front_blocks(model, paper: PaperFacts, metric_line) -> list:
    """The paper's blocks before the data appendix (layout's Block types; `metric_line(m)` words one figure)."""
    from metrics.report.layout import Bullets, Heading, Image, Para, Table

    out: list = []

    def written(name: str, heading: str) -> None:
        out.append(Heading(heading, 1))
        text = paper.detail(name)
        if text:
            out.extend(Para(p) for p in text.split("\n") if p.strip())
        else:
            out.append(Para(f"{TO_BE_WRITTEN}: {heading.lower()} (Delivery plan page, Paper details).", "note"))

    out.append(Heading(model.document_title, 0))
    out.append(Para(model.area_label, "lead", "Area: "))
    if board := paper.detail("board"):
        out.append(Para(board, "lead", "Board: "))
    if paper.detail("meeting_date"):
        out.append(Para(_date_words(paper.details["meeting_date"]), "lead", "Meeting date: "))
    for name, lead in (("sponsor", "Sponsor: "), ("author", "Author: "), ("purpose", "Purpose: ")):
        if text := paper.detail(name):
            out.append(Para(text, "lead", lead))
    if text := paper.detail("priorities_served"):
        out.append(Para(text, "lead", "Priorities served: "))
    if model.any_demo:
        from metrics.report.model import DEMO_WARNING

        out.append(Para(DEMO_WARNING, "warning"))
    if paper.missing:
        out.append(Para("Parts of this paper are still to be written: " + "; ".join(paper.missing) + ".", "warning"))

    written("recommendation", "Recommendation")
    written("executive_summary", "Executive summary")

    # ------------------------------------------------------------------ a section per priority
    metrics = {m.key: m for m in model.metrics}
    charts = {c.key: c for c in model.charts}
    shown_commentary: set[tuple[str, str]] = set()

    def figure(key: str, level: int = 3) -> None:
        m = metrics.get(key)
        if m is None:
            return
        out.append(Heading(m.indicator.short_name, level))
        out.append(Para(" ".join(m.sentences), "normal"))
        hit = commentary_for(paper.commentary, key, str(m.row.get("Period")))
        if hit is not None:
            shown_commentary.add((key, str(hit["period"])))
            by = f"Commentary on {hit['period']} by {hit['written_by']}, {_date_words(hit['written_at'])}: "
            paras = [p for p in str(hit["body"]).split("\n") if p.strip()]
            out.append(Para(paras[0] if paras else "", "lead", by))
            out.extend(Para(p) for p in paras[1:])
        if key in charts:
            c = charts[key]
            out.append(Image(c.key, c.alt, c.caption + (" Contains demonstration data." if c.is_demo else "")))

    if paper.plan.empty:
        out.append(Heading("Delivery plan", 1))
        out.append(Para(f"{TO_BE_WRITTEN}: the delivery plan (Delivery plan page, or a plan file).", "note"))
    for priority, rows in paper.plan.groupby("priority", sort=False):
        out.append(Heading(str(priority), 1))
        keys = list(dict.fromkeys(k for ks in rows["metric_keys"] for k in metric_keys_of(ks)))
        for key in keys:
            figure(key)
        out.append(Heading(f"{priority}: actions", 2))
        out.append(
            Table(
                ["Action", "Lead", "Due", "Status", "Latest update"],
                [
                    [
                        _text(r["action"]),
                        _text(r["lead"]),
                        (_date_words(r["due_date"]) + (" (overdue)" if r["overdue"] else "")).strip(),
                        status_word(r["status"]),
                        _text(r["latest_update"]),
                    ]
                    for r in rows.to_dict("records")
                ],
                f"The actions of the delivery plan under {priority}, with their status and latest progress.",
            )
        )
    other = paper.commentary
    if len(other):
        other = other[[(k, str(p)) not in shown_commentary for k, p in zip(other["metric_key"], other["period"])]]
    current_other = [
        k
        for k in dict.fromkeys(other["metric_key"] if len(other) else [])
        if k in metrics and commentary_for(other, k, str(metrics[k].row.get("Period"))) is not None
    ]
    if current_other:
        out.append(Heading("Other figures with commentary", 1))
        for key in current_other:
            figure(key, 2)

    written("health_disparities", "Impact on health disparities")
    written("implications", "Implications")
    written("contacts", "Contacts")

    # ------------------------------------------------------------------ what changed since the last board
    out.append(Heading(f"What changed since the last board ({model.since.label})", 1))
    changed_verdicts = [c for c in model.changes if c.kind == "Verdict changed"]
    new_figures = [c for c in model.changes if c.kind != "Verdict changed"]
    out.append(
        Para(
            f"{len(new_figures)} new or revised figures and {len(changed_verdicts)} changed verdicts for "
            f"{model.area.name} (listed in the data appendix), and {len(paper.status_changes)} actions whose "
            "status changed.",
        )
    )
    if changed_verdicts:
        out.append(Bullets([f"{c.indicator} {c.period}: {c.before} → {c.after}" for c in changed_verdicts]))
    if paper.status_changes:
        out.append(
            Table(
                ["Action", "Lead", "Status then", "Status now"],
                [
                    [_text(c["action"]), _text(c["lead"]), c["before"], status_word(c["after"])]
                    for c in paper.status_changes
                ],
                "Actions whose status changed since the last board (or that were added since).",
            )
        )

    # ------------------------------------------------------------------ the red list
    out.append(Heading("The red list", 1))
    worse = model.needs_attention()
    worsening: list = next(iter(worse.values()), []) if worse else []
    out.append(Heading("Worse than the benchmark and getting worse", 2))
    out.append(Bullets([metric_line(m) for m in worsening]) if worsening else Para("None.", "note"))
    red = needs_attention(paper.plan)
    out.append(Heading("Actions off track or overdue", 2))
    if len(red):
        out.append(
            Table(
                ["Action", "Lead", "Due", "Status"],
                [
                    [
                        _text(r["action"]),
                        _text(r["lead"]),
                        (_date_words(r["due_date"]) + (" (overdue)" if r["overdue"] else "")).strip(),
                        status_word(r["status"]),
                    ]
                    for r in red.to_dict("records")
                ],
                "Actions of the delivery plan that are off track, or past their due date and not complete.",
            )
        )
    else:
        out.append(Para("None.", "note"))
    out.append(Heading("Data appendix", 1))
    out.append(
        Para(
            "The figures behind this paper: every indicator of the Combating Drugs Outcomes Framework for "
            f"{model.area.name}, generated by the Combating Drugs Outcomes Dashboard.",
            "note",
        )
    )
    return out
