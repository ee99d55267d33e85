"""The delivery plan as a file: its columns, the blank template (CSV and .xlsx), reading a file, checking it with
the data uploads' discipline (every problem at once, naming row, column and value; nothing written if any is an
error), and the export that imports back.

A plan file is the whole plan of each area it names: an action of that area missing from the file is removed
(the removal is part of the revision, so a rollback brings it back). `action_id` ties a row to a stored action
(the export fills it in); leave it blank for a new action.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from metrics.areas import Geography
from metrics.catalogue import Catalogue
from metrics.ingest.problems import ProblemLog
from metrics.paper.words import PLAN_TEXT_FIELDS, STATUSES, canonical_status, text_problem
from metrics.safety import FORMULA_PREFIXES, looks_like_formula, neutralise_frame
from metrics.store.narrative import PLAN_ACTIONS

PLAN_FILE_COLUMNS = [
    "area_code",
    "priority",
    "action",
    "lead",
    "partners",
    "start_date",
    "due_date",
    "status",
    "latest_update",
    "metric_keys",
    "action_id",
]
REQUIRED = ["area_code", "priority", "action", "status"]
MAX_ROWS = 2000
MAX_FILE_BYTES = 5 * 1024 * 1024
# "Which areas may this writer change?": None means every area. A hook for per-partnership scopes.
AreaScope = Collection[str] | None


@dataclass
class PreparedPlan:
    """A plan file read and checked: the rows to write (PLAN_ACTIONS' columns), the stored actions it removes,
    and its problems (metrics.ingest.problems' frame)."""

    file_name: str
    rows: pd.DataFrame
    removed: pd.DataFrame  # action_id of the stored actions of the file's areas that the file leaves out
    problems: pd.DataFrame

    @property
    def ok(self) -> bool:
        return not (self.problems["severity"] == "error").any()

    @property
    def area_codes(self) -> list[str]:
        return sorted(self.rows["area_code"].unique().tolist()) if len(self.rows) else []


def template_frame() -> pd.DataFrame:
    return pd.DataFrame(columns=PLAN_FILE_COLUMNS)


def template_csv() -> bytes:
    return plan_csv(template_frame())


def plan_csv(frame: pd.DataFrame) -> bytes:
    """A plan frame (PLAN_FILE_COLUMNS) as CSV, formulas neutralised; the header even when empty."""
    return neutralise_frame(frame[PLAN_FILE_COLUMNS]).to_csv(index=False, lineterminator="\n").encode("utf-8")


def plan_xlsx(frame: pd.DataFrame) -> bytes:
    """A plan frame as an .xlsx workbook (one sheet, "plan"): every cell written as text, so no formula is live
    and dates stay as written."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "plan"
    ws.append(PLAN_FILE_COLUMNS)
    for record in neutralise_frame(frame[PLAN_FILE_COLUMNS]).itertuples(index=False):
        ws.append(["" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v) for v in record])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.data_type = "s"  # text, never a formula
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template_xlsx() -> bytes:
    return plan_xlsx(template_frame())


def export_frame(actions: pd.DataFrame) -> pd.DataFrame:
    """Stored actions (Store.narrative(PLAN_ACTIONS)) in the file's columns, dates as YYYY-MM-DD."""
    out = pd.DataFrame({c: actions.get(c) for c in PLAN_FILE_COLUMNS})
    for c in ("start_date", "due_date"):
        out[c] = [_iso(v) for v in out[c]]
    return out.astype(object).where(out.notna(), "")


def _iso(v) -> str:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    if isinstance(v, (datetime, pd.Timestamp)):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


# ---------------------------------------------------------------------------------------------------- reading
def read_plan_file(data: bytes, file_name: str, log: ProblemLog) -> pd.DataFrame | None:
    """The file's cells as text (None for blank) with `_row` (the Excel row), or None when it cannot be read."""
    if len(data) > MAX_FILE_BYTES:
        log.add(None, None, None, f"the file is {len(data):,} bytes; a plan file may be up to {MAX_FILE_BYTES:,}")
        return None
    if file_name.lower().endswith(".xlsx"):
        rows = _xlsx_rows(data, log)
    else:
        rows = _csv_rows(data, log)
    if rows is None:
        return None
    if not rows:
        log.add(None, None, None, "the file is empty; it needs a header row: " + ", ".join(PLAN_FILE_COLUMNS))
        return None
    header = [str(h or "").strip().lower().replace(" ", "_") for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [h for h in header if h and h not in PLAN_FILE_COLUMNS]
    for h in unknown:
        log.add(1, h, h, "unknown column; the plan's columns are " + ", ".join(PLAN_FILE_COLUMNS))
    for c in missing:
        log.add(1, c, None, f"the header has no {c} column; it is required")
    if missing or unknown:
        return None
    records = []
    for n, cells in enumerate(rows[1:], start=2):
        raw = {h: cells[i] if i < len(cells) else None for i, h in enumerate(header) if h}
        for h, v in raw.items():
            # A formula in a file may have been run by a spreadsheet already: refused, as in data uploads. Text
            # the export marked with an apostrophe (metrics.safety) is text, and reads back as it was typed.
            if isinstance(v, str) and looks_like_formula(v.strip()):
                log.add(n, h, v, "looks like a spreadsheet formula; type the text without a leading = or @")
        values: dict[str, object] = {h: _cell(v) for h, v in raw.items()}
        if all(v is None for v in values.values()):
            continue  # a blank line
        values["_row"] = n
        records.append(values)
    if len(records) > MAX_ROWS:
        log.add(None, None, None, f"the file has {len(records):,} actions; a plan file may hold up to {MAX_ROWS:,}")
        return None
    frame = pd.DataFrame(records, columns=[*PLAN_FILE_COLUMNS, "_row"])
    return frame.astype(object).where(frame.notna(), None)


def _cell(v) -> str | datetime | None:
    if v is None:
        return None
    if isinstance(v, datetime):
        return v
    if isinstance(v, date):
        return datetime(v.year, v.month, v.day)
    text = str(v)
    # An export neutralised a text starting like a formula with an apostrophe: read back, it is the text again.
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        text = text[1:]
    return text if text.strip() else None


def _csv_rows(data: bytes, log: ProblemLog) -> list[list] | None:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly everything
        log.add(None, None, None, "the file is not text (UTF-8 or Windows-1252); save it as CSV UTF-8")
        return None
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        log.add(None, None, None, f"the CSV cannot be read ({exc}); save it again as CSV UTF-8")
        return None


def _xlsx_rows(data: bytes, log: ProblemLog) -> list[list] | None:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        log.add(None, None, None, f"the file is not an .xlsx workbook ({type(exc).__name__}); use the template")
        return None
    ws = wb["plan"] if "plan" in wb.sheetnames else wb.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    wb.close()
    return rows


# ---------------------------------------------------------------------------------------------------- checking
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d %B %Y", "%d %b %Y")
_SEPARATORS = re.compile(r"[;,\s]+")


def _blank_as_none(v):
    """A blank cell (None, NaN, NaT, empty or spaces) as None; anything else as it is."""
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if not isinstance(v, str) and pd.api.types.is_scalar(v) and pd.isna(v):
        return None
    return v


def parse_date(value) -> date | None:
    """A date as a plan file may hold it (2025-03-31, 31/03/2025, 31 March 2025, an Excel date), else None."""
    if isinstance(value, datetime):
        return value.date()
    text = str(value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def check_plan(
    raw: pd.DataFrame,
    log: ProblemLog,
    catalogue: Catalogue,
    geography: Geography,
    stored: pd.DataFrame,
    may_write: AreaScope = None,
    whole_plan_of: Collection[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows to write (PLAN_ACTIONS' columns) and the stored actions they remove; problems go to `log`.

    `stored`: the current actions (Store.narrative(PLAN_ACTIONS)). `may_write`: the areas this writer may change
    (None: all). `whole_plan_of`: the areas whose whole plan the rows are (default: the areas they name)."""
    metric_keys = set(catalogue.by_key())
    stored_area = dict(zip(stored["action_id"].astype(str), stored["area_code"])) if len(stored) else {}
    out = []
    seen_ids: dict[str, int] = {}
    for rec in raw.to_dict("records"):
        rec = {c: _blank_as_none(v) for c, v in rec.items()}
        n = rec["_row"]
        row: dict = {c: None for c in PLAN_ACTIONS.all_columns}
        for c in REQUIRED:
            if rec.get(c) is None:
                log.add(n, c, "", f"{c} is required")
        area = rec.get("area_code")
        if area is not None:
            code = geography.resolve_code(str(area))
            if code is None:
                near = geography.suggest(str(area))
                hint = f"; did you mean {near.code} ({near.name})?" if near else ""
                log.add(n, "area_code", area, f"not a known area code{hint}")
            elif may_write is not None and code not in may_write:
                log.add(n, "area_code", area, f"you may not change {code}'s plan; ask an uploader of that area")
            row["area_code"] = code
        for c, field in PLAN_TEXT_FIELDS.items():
            v = rec.get(c)
            if isinstance(v, datetime):
                v = v.date().isoformat()
            if v is not None:
                problem = text_problem(str(v), field.label, field.limit, field.multiline)
                if problem:
                    log.add(n, c, v, problem)
            row[c] = v
        status = rec.get("status")
        if status is not None:
            word = canonical_status(str(status))
            if word is None:
                log.add(n, "status", status, "not a status; use one of: " + ", ".join(STATUSES))
            row["status"] = word
        dates: dict[str, date | None] = {}
        for c in ("start_date", "due_date"):
            v = rec.get(c)
            if v is not None:
                d = parse_date(v)
                if d is None:
                    log.add(n, c, v, "not a date; write it as YYYY-MM-DD (2025-03-31) or DD/MM/YYYY")
                dates[c] = d
                row[c] = d.isoformat() if d else None
        start, due = dates.get("start_date"), dates.get("due_date")
        if start is not None and due is not None and due < start:
            log.add(n, "due_date", rec["due_date"], f"the due date is before the start date ({start:%d/%m/%Y})")
        keys = [k for k in _SEPARATORS.split(str(rec.get("metric_keys") or "")) if k]
        for k in keys:
            if k not in metric_keys:
                log.add(n, "metric_keys", k, "not a metric of the catalogue; see the Definitions page for the keys")
        row["metric_keys"] = "; ".join(dict.fromkeys(keys)) or None
        action_id = rec.get("action_id")
        if action_id is not None:
            action_id = str(action_id).strip()
            if action_id.endswith(".0"):  # a spreadsheet's number
                action_id = action_id[:-2]
            if action_id not in stored_area:
                log.add(n, "action_id", action_id, "not an action of the stored plan; leave it blank for a new action")
            elif row["area_code"] and stored_area[action_id] != row["area_code"]:
                log.add(n, "action_id", action_id, f"this action belongs to {stored_area[action_id]}'s plan")
            elif action_id in seen_ids:
                log.add(n, "action_id", action_id, f"the same action is on row {seen_ids[action_id]}")
            seen_ids.setdefault(action_id, n)
        row["action_id"] = action_id
        out.append(row)
    rows = pd.DataFrame(out, columns=PLAN_ACTIONS.all_columns)
    rows["position"] = rows.groupby("area_code", dropna=False).cumcount() + 1
    areas = set(rows["area_code"].dropna()) if whole_plan_of is None else set(whole_plan_of)
    kept = set(rows["action_id"].dropna())
    removed = (
        stored[stored["area_code"].isin(areas) & ~stored["action_id"].astype(str).isin(kept)][["action_id"]]
        if len(stored)
        else pd.DataFrame({"action_id": []})
    )
    return rows, removed.reset_index(drop=True)


def prepare_plan(
    data: bytes,
    file_name: str,
    catalogue: Catalogue,
    geography: Geography,
    stored: pd.DataFrame,
    may_write: AreaScope = None,
) -> PreparedPlan:
    """Read and check a plan file; nothing is written."""
    log = ProblemLog(file_name)
    raw = read_plan_file(data, file_name, log)
    if raw is None:
        rows, removed = pd.DataFrame(columns=PLAN_ACTIONS.all_columns), pd.DataFrame({"action_id": []})
    else:
        if not len(raw):
            log.add(None, None, None, "the file has no actions, so there is nothing to load", severity="warning")
        rows, removed = check_plan(raw, log, catalogue, geography, stored, may_write)
    log.finish()
    return PreparedPlan(file_name, rows, removed, log.frame())


def prepare_plan_file(path: Path, *args, **kwargs) -> PreparedPlan:
    return prepare_plan(path.read_bytes(), path.name, *args, **kwargs)
