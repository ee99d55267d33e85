"""Writing the board paper's words: a plan file, the plan as edited on a page, a commentary, an area's paper
details. Each is checked first (nothing is written if anything is wrong) and written as one revision with its
author, which History lists and `rollback` undoes like any upload.

`may_write` is the hook for "which areas may this writer change": None (the default) means every area; a set of
area codes limits the writer to those (per-partnership scopes plug in here).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date

import pandas as pd

from metrics.areas import Geography
from metrics.catalogue import Catalogue
from metrics.ingest.problems import ProblemLog
from metrics.paper.plan import PLAN_FILE_COLUMNS, AreaScope, PreparedPlan, check_plan, parse_date
from metrics.paper.words import COMMENTARY_LIMIT, DETAIL_FIELDS, PURPOSES, text_problem
from metrics.presentation.formats import period_words
from metrics.store import RevisionInfo, Store
from metrics.store.narrative import COMMENTARY, PAPER_DETAILS, PLAN_ACTIONS, NarrativeChange

PLAN_FORMAT, COMMENTARY_FORMAT, DETAILS_FORMAT = "delivery plan", "commentary", "paper details"


class PaperInputError(ValueError):
    """Typed words that cannot be stored; `problems` says each thing to put right."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _scope_problem(area_code: str, geography: Geography, may_write: AreaScope) -> str | None:
    if area_code not in geography.areas:
        return f"{area_code!r} is not a known area code"
    if may_write is not None and area_code not in may_write:
        return f"you may not change {area_code}'s paper; ask an uploader of that area"
    return None


# ---------------------------------------------------------------------------------------------------- the plan
def import_plan(
    store: Store, prepared: PreparedPlan, author: str, sha256: str | None = None, scope_name: str | None = None
) -> tuple[int, NarrativeChange]:
    """Write a checked plan file as one revision (refused if it has errors). `scope_name`: the writer's rights in
    words (metrics.access.Scope.name), recorded on the revision as an upload's are."""
    if not prepared.ok:
        raise PaperInputError(["the file has errors; nothing was written"])
    rid, change, _ = store.write_narrative(
        RevisionInfo(
            author=author,
            action="upload",
            file_name=prepared.file_name,
            sha256=sha256,
            file_format=PLAN_FORMAT,
            scope=scope_name,
        ),
        PLAN_ACTIONS,
        prepared.rows,
        prepared.removed,
    )
    return rid, change


def check_edited_plan(
    store: Store,
    area_code: str,
    edited: pd.DataFrame,
    catalogue: Catalogue,
    geography: Geography,
    may_write: AreaScope = None,
) -> PreparedPlan:
    """An area's plan as edited in a table on a page (the file's columns; a row deleted is an action removed),
    checked as a file would be. Row numbers in problems are the table's rows, from 1."""
    log = ProblemLog("the plan table")
    if (problem := _scope_problem(area_code, geography, may_write)) is not None:
        log.add(None, "area_code", area_code, problem)
    raw = edited.reindex(columns=PLAN_FILE_COLUMNS).copy()
    raw["area_code"] = area_code
    blank = raw.drop(columns=["area_code"]).map(lambda v: v is None or pd.isna(v) or not str(v).strip())
    raw = raw[~blank.all(axis=1)].reset_index(drop=True)  # an empty row of the table is no action
    raw["_row"] = range(1, len(raw) + 1)
    for c in ("start_date", "due_date"):  # a date column of the editor holds dates
        raw[c] = pd.Series([v.isoformat() if isinstance(v, date) else v for v in raw[c]], dtype=object)
    stored = store.narrative(PLAN_ACTIONS)
    rows, removed = check_plan(raw, log, catalogue, geography, stored, may_write, whole_plan_of=[area_code])
    log.finish()
    return PreparedPlan("the plan table", rows, removed, log.frame())


def save_edited_plan(
    store: Store, prepared: PreparedPlan, author: str, scope_name: str | None = None
) -> tuple[int, NarrativeChange]:
    if not prepared.ok:
        raise PaperInputError(["the table has errors; nothing was written"])
    rid, change, _ = store.write_narrative(
        RevisionInfo(
            author=author,
            action="upload",
            file_format=PLAN_FORMAT,
            note="edited on the Delivery plan page",
            scope=scope_name,
        ),
        PLAN_ACTIONS,
        prepared.rows,
        prepared.removed,
    )
    return rid, change


def plan_changes(store: Store, prepared: PreparedPlan) -> NarrativeChange:
    return store.preview_narrative(PLAN_ACTIONS, prepared.rows, prepared.removed)


# ---------------------------------------------------------------------------------------------------- commentary
def save_commentary(
    store: Store,
    metric_key: str,
    area_code: str,
    period: str,
    body: str,
    author: str,
    catalogue: Catalogue,
    geography: Geography,
    may_write: AreaScope = None,
    scope_name: str | None = None,
) -> tuple[int, NarrativeChange]:
    """A commentary on one metric, area and period, stored exactly as typed; an empty one removes it."""
    problems = []
    if metric_key not in catalogue.by_key():
        problems.append(f"{metric_key!r} is not a metric of the catalogue")
    if (problem := _scope_problem(area_code, geography, may_write)) is not None:
        problems.append(problem)
    if not str(period).strip():
        problems.append("the period is required")
    if (problem := text_problem(body, "The commentary", COMMENTARY_LIMIT)) is not None:
        problems.append(problem)
    if problems:
        raise PaperInputError(problems)
    key = {"metric_key": metric_key, "area_code": area_code, "period": period}
    info = RevisionInfo(
        author=author, action="upload", file_format=COMMENTARY_FORMAT, note=f"{metric_key}, {period}", scope=scope_name
    )
    if body.strip():
        rid, change, _ = store.write_narrative(info, COMMENTARY, pd.DataFrame([{**key, "body": body}]))
    else:
        rid, change, _ = store.write_narrative(
            info, COMMENTARY, pd.DataFrame(columns=COMMENTARY.all_columns), pd.DataFrame([key])
        )
    return rid, change


def commentary_for(commentary: pd.DataFrame, metric_key: str, period: str | None) -> pd.Series | None:
    """The commentary on a metric for exactly this period (an older period's stays with its period), or None. The
    period may be the stored label ("2022 - 24") or as pages show it ("2022-24")."""
    if period is None or commentary.empty:
        return None
    same_period = commentary["period"].map(period_words) == period_words(period)
    hit = commentary[(commentary["metric_key"] == metric_key) & same_period]
    return None if hit.empty else hit.iloc[-1]


# ---------------------------------------------------------------------------------------------------- details
def save_details(
    store: Store,
    area_code: str,
    fields: Mapping[str, object],
    author: str,
    geography: Geography,
    may_write: AreaScope = None,
    scope_name: str | None = None,
) -> tuple[int, NarrativeChange]:
    """An area's paper details (DETAIL_FIELDS, meeting_date, purpose), stored exactly as typed."""
    problems = []
    if (problem := _scope_problem(area_code, geography, may_write)) is not None:
        problems.append(problem)
    row: dict[str, object] = {"area_code": area_code}
    for name, field in DETAIL_FIELDS.items():
        text = fields.get(name)
        text = None if text is None or not str(text).strip() else str(text)
        if text is not None and (problem := text_problem(text, field.label, field.limit, field.multiline)):
            problems.append(problem)
        row[name] = text
    purpose = fields.get("purpose") or None
    if purpose is not None and purpose not in PURPOSES:
        problems.append(f"the purpose {purpose!r} is not one of: " + ", ".join(PURPOSES))
    row["purpose"] = purpose
    meeting = fields.get("meeting_date")
    if meeting not in (None, ""):
        parsed = meeting if isinstance(meeting, date) else parse_date(meeting)
        if parsed is None:
            problems.append(f"the meeting date {meeting!r} is not a date; write it as YYYY-MM-DD")
        row["meeting_date"] = parsed.isoformat() if parsed else None
    else:
        row["meeting_date"] = None
    if problems:
        raise PaperInputError(problems)
    rid, change, _ = store.write_narrative(
        RevisionInfo(author=author, action="upload", file_format=DETAILS_FORMAT, note=area_code, scope=scope_name),
        PAPER_DETAILS,
        pd.DataFrame([row]),
    )
    return rid, change


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
