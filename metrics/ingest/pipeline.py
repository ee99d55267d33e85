"""Upload pipeline: read -> validate (every problem at once) -> preview -> commit (one transaction) -> rollback.

prepared = prepare(path, file_name="my.csv")           # never touches the store
prepared.problems                                        # DataFrame: severity, file, row, column, value, message
summary, by_area = preview(store, prepared)              # new / changed / unchanged, per metric and area
rid, summary = commit(store, prepared, author="me")      # refuses while there are errors
rid, summary, conflicts = rollback(store, rid, author="me")

Every step takes `scope` (metrics.access.Scope: what the writer may write): prepare lists each row of an area
outside it as an error; commit, write_revision and rollback raise metrics.access.OutsideScope before anything is
written, and record the scope's name on the revision. Without a scope (library calls, the build) nothing is
checked and none is recorded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from metrics import derive
from metrics.access import OutsideScope, Scope
from metrics.areas import Geography, default_geography
from metrics.catalogue import Catalogue, default_catalogue
from metrics.columns import OBS_COLUMNS
from metrics.ingest.problems import ERROR, ProblemLog
from metrics.ingest.readers.detect import detect_format, sniff_encoding
from metrics.ingest.readers.fingertips import read_fingertips
from metrics.ingest.readers.ndtms import read_ndtms
from metrics.ingest.readers.template_csv import CHUNK_ROWS, read_template_csv
from metrics.ingest.readers.xlsx import read_template_xlsx
from metrics.ingest.text import FileUnreadable, read_header
from metrics.ingest.validate import store_frame, validate_rows
from metrics.store import ChangeSummary, RevisionInfo, Store, StoreError

Progress = Callable[[str, float | None], None]
DESCRIPTION_CHANGED = "description changed"  # only the source or note of a stored row changed
PREVIEW_STATUSES = ("new", "changed", DESCRIPTION_CHANGED, "unchanged")


class IngestRejected(Exception):
    pass


@dataclass
class Prepared:
    file_name: str
    file_format: str | None
    sha256: str
    rows: pd.DataFrame  # OBS_COLUMNS, ready to write
    problems: pd.DataFrame
    encoding: str | None = None

    @property
    def errors(self) -> pd.DataFrame:
        return self.problems[self.problems["severity"] == ERROR]

    @property
    def ok(self) -> bool:
        return self.errors.empty and not self.rows.empty


def prepare(
    path: Path | str,
    file_name: str | None = None,
    fmt: str = "auto",
    catalogue: Catalogue | None = None,
    geography: Geography | None = None,
    progress: Progress | None = None,
    scope: Scope | None = None,
) -> Prepared:
    """Read and validate a file; never touches the store. With a scope, every row of an area outside it is an
    error naming the row and the area."""
    path = Path(path)
    file_name = file_name or path.name
    catalogue = catalogue or default_catalogue()
    geography = geography or default_geography()
    log = ProblemLog(file_name)
    say = progress or (lambda stage, frac: None)
    # The file's SHA-256 (for the revision) is computed alongside the read: hashlib releases the GIL.
    hashing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256")
    sha_future = hashing.submit(sha256_of, path)
    hashing.shutdown(wait=False)
    rows = pd.DataFrame(columns=OBS_COLUMNS)
    detected, encoding, read = None, None, 0
    areas_of_rows: dict[int, str] = {}
    try:
        say("Checking the file's encoding and format", 0.05)
        is_xlsx = path.suffix.lower() in (".xlsx", ".xlsm") or _is_zip(path)
        if is_xlsx:
            if path.stat().st_size == 0:
                log.add(None, None, None, "the file is empty; expected a header row and at least one data row")
                raise FileUnreadable
            detected = "template"
            if fmt not in ("auto", "template"):
                log.add(
                    None,
                    None,
                    None,
                    f"an Excel workbook can only be the template format, not {fmt!r}; "
                    "Fingertips and NDTMS files are CSV",
                )
                raise FileUnreadable
        else:
            encoding = sniff_encoding(path, log)
            header = read_header(path, encoding)
            if not [h for h in header if h.strip()]:
                log.add(None, None, None, "the file is empty; expected a header row and at least one data row")
                raise FileUnreadable
            detected = detect_format(header)
            if fmt != "auto":
                detected = fmt
            elif detected is None:
                log.add(
                    1,
                    None,
                    ", ".join(header[:8])[:200],
                    "cannot tell the file's format from its columns; expected the template (metric_key, "
                    "area_code, period, value ...), a Fingertips download (Indicator ID, Area Code, Time "
                    "period ...) or an NDTMS ViewIt export (ReportingPeriod, Area ...)",
                )
                raise FileUnreadable
        say(f"Reading the file as {detected}", 0.15)
        if detected == "template" and is_xlsx:
            res = read_template_xlsx(path, file_name, log)
        elif encoding is None:
            raise AssertionError("not reached: every CSV has its encoding sniffed above")
        elif detected == "template":
            res = read_template_csv(path, file_name, log, encoding, progress)
        elif detected == "fingertips":
            res = read_fingertips(path, file_name, log, encoding, catalogue)
        elif detected == "ndtms":
            res = read_ndtms(path, file_name, log, encoding, geography)
        else:
            log.add(None, None, None, f"unknown format {fmt!r}; expected auto, template, fingertips or ndtms")
            raise FileUnreadable
        read = len(res.rows)
        say(f"Checking {read:,} rows", 0.55)
        checked = validate_rows(res.rows, log, catalogue, geography, res.column_names)
        if scope is not None and not scope.full_rights and len(checked):
            _outside_scope_problems(checked, scope, log, geography, res.column_names)
        areas_of_rows = _areas_of_problem_rows(res.rows, log)
        rows = store_frame(checked)
        del res, checked  # before release_free_memory below: only the compact rows stay
    except FileUnreadable:
        pass
    log.finish()
    say("Checked", 0.9)
    problems = _with_area_names(log.frame(), areas_of_rows, geography)
    prepared = Prepared(file_name, detected, sha_future.result(), rows, problems, encoding)
    if read > CHUNK_ROWS:  # a file read in several chunks leaves freed memory the commit would sit on
        release_free_memory()
    return prepared


def _outside_scope_problems(
    rows: pd.DataFrame, scope: Scope, log: ProblemLog, geography: Geography, column_names: dict[str, str] | None
) -> None:
    """An error for each row (of those validation kept) whose area the scope may not write."""
    codes = rows["area_code"].astype(str)
    outside = set(scope.outside(codes.unique()))
    if not outside:
        return
    mask = codes.isin(outside).to_numpy()
    column = (column_names or {}).get("area_code", "area_code")
    log.add_rows(
        rows.loc[mask, "_row"],
        column,
        codes[mask],
        lambda code: scope.problem_message(str(code), geography),
        rule="outside scope",
    )


def _areas_of_problem_rows(rows: pd.DataFrame, log: ProblemLog) -> dict[int, str]:
    """The area code as written on each file row that has a problem."""
    wanted = {p.row for p in log.items if p.row is not None}
    if not wanted or "_row" not in rows or "area_code" not in rows:
        return {}
    hit = rows[rows["_row"].isin(wanted)]
    return {int(r): str(a) for r, a in zip(hit["_row"], hit["area_code"]) if isinstance(a, str) and a.strip()}


def _with_area_names(problems: pd.DataFrame, areas_of_rows: dict[int, str], geography: Geography) -> pd.DataFrame:
    """The problems with an `area` column after `row`: the row's area code with its name ("E10000034
    Worcestershire"), the code alone when it is not known, empty for a problem of the whole file."""

    def label(row) -> str:
        code = areas_of_rows.get(int(row)) if pd.notna(row) else None
        if not code:
            return ""
        resolved = geography.resolve_code(code.strip().upper())
        return f"{code} {geography.areas[resolved].name}" if resolved in geography.areas else code

    out = problems.copy()
    out.insert(list(out.columns).index("row") + 1, "area", [label(r) for r in out["row"]])
    return out


def release_free_memory() -> None:
    """Hand memory freed by reading and validating back to the operating system (glibc only; else a no-op).

    A million-row file is read in chunks; without this the process keeps the chunks' freed memory, and the
    commit's DuckDB buffers come on top of it.
    """
    import ctypes
    import gc

    gc.collect()
    try:
        import pyarrow

        pyarrow.default_memory_pool().release_unused()
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError, ImportError):
        pass


def _is_zip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(4) == b"PK\x03\x04"


def preview(store: Store, prepared: Prepared) -> tuple[ChangeSummary, pd.DataFrame]:
    """Totals and counts of new / changed / unchanged rows per metric and area (computed in DuckDB)."""
    by_area = store.preview_counts(prepared.rows)
    totals = by_area.groupby("status")["rows"].sum() if not by_area.empty else pd.Series(dtype=int)
    summary = ChangeSummary(
        new=int(totals.get("new", 0)),
        changed=int(totals.get("changed", 0)),
        unchanged=int(totals.get("unchanged", 0)),
        described=int(totals.get(DESCRIPTION_CHANGED, 0)),
    )
    by_area = by_area.assign(area_name=by_area["area_name"].fillna(""))
    table = (
        by_area.pivot_table(
            index=["metric_key", "area_code", "area_name"], columns="status", values="rows", aggfunc="sum", fill_value=0
        ).reset_index()
        if not by_area.empty
        else pd.DataFrame(columns=["metric_key", "area_code", "area_name"])
    )
    for c in PREVIEW_STATUSES:
        if c not in table:
            table[c] = 0
    table.columns.name = None
    return summary, table[["metric_key", "area_code", "area_name", *PREVIEW_STATUSES]]


def changed_rows(store: Store, prepared: Prepared, limit: int = 2000) -> pd.DataFrame:
    """The changed and new rows, old -> new, for showing (at most `limit`)."""
    return store.preview_changes(prepared.rows, limit)


def commit(
    store: Store,
    prepared: Prepared,
    author: str,
    catalogue: Catalogue | None = None,
    geography: Geography | None = None,
    note: str | None = None,
    scope: Scope | None = None,
) -> tuple[int, ChangeSummary]:
    """Write the rows as one revision in one transaction; refuses a file with errors, and one touching an area
    outside `scope` (OutsideScope)."""
    if not prepared.ok:
        raise IngestRejected(f"{prepared.file_name} has {len(prepared.errors)} problems; nothing was written")
    info = RevisionInfo(
        author=author,
        action="upload",
        file_name=prepared.file_name,
        sha256=prepared.sha256,
        file_format=prepared.file_format,
        note=note,
    )
    return write_revision(store, prepared.rows, info, catalogue, geography, scope=scope)


def write_revision(
    store: Store,
    rows: pd.DataFrame,
    info: RevisionInfo,
    catalogue: Catalogue | None = None,
    geography: Geography | None = None,
    scope: Scope | None = None,
) -> tuple[int, ChangeSummary]:
    """Write checked rows (OBS_COLUMNS) as one revision, with the derived values they change, in one
    transaction: readers see the store before it or after it, never between. With a scope, rows outside it are
    refused (OutsideScope) before anything is written, and the revision records the scope's name."""
    catalogue, geography = catalogue or default_catalogue(), geography or default_geography()
    if scope is not None:
        scope.refuse_outside(rows, geography)
        info = replace(info, scope=scope.name)
    with store.write(info) as tx:
        tx.write_observations(rows)
        for metric_keys in tx.derive_batches(derive.BATCH_ROWS):
            observations = tx.rows_for_derive(metric_keys)
            derived = derive.derive_frame(observations, catalogue, geography)
            del observations  # not held through the derived rows' insert
            tx.replace_derived(metric_keys, derived)
    assert tx.summary is not None  # write_observations set it
    return tx.revision_id, tx.summary


def rollback(
    store: Store,
    revision_id: int,
    author: str,
    catalogue: Catalogue | None = None,
    geography: Geography | None = None,
    scope: Scope | None = None,
) -> tuple[int, ChangeSummary, int]:
    """Undo a revision as a new one, with the derived values it changes, in one transaction. Returns the new
    revision, its summary and the cells kept because a later revision changed them. With a scope, a revision that
    wrote any area outside it is refused (OutsideScope) before anything is written."""
    catalogue, geography = catalogue or default_catalogue(), geography or default_geography()
    if scope is not None:
        scope.refuse_outside(store.revision_areas(revision_id), geography, what="cells")
    # Refused before a revision is opened (and again inside the transaction, should another writer get there first).
    revs = store.revisions().set_index("revision_id")
    undone_by = revs["rolled_back_by"].get(revision_id)
    if undone_by is not None and pd.notna(undone_by):
        raise StoreError(
            f"revision {revision_id} was already rolled back by revision {int(undone_by)}; there is "
            "nothing left to undo, and nothing was written"
        )
    info = RevisionInfo.rollback_of(revision_id, author, scope.name if scope is not None else None)
    with store.write(info) as tx:
        tx.rollback_revision(revision_id)
        for metric_keys in tx.derive_batches(derive.BATCH_ROWS):
            observations = tx.rows_for_derive(metric_keys)
            derived = derive.derive_frame(observations, catalogue, geography)
            del observations
            tx.replace_derived(metric_keys, derived)
    assert tx.summary is not None  # rollback_revision set it
    return tx.revision_id, tx.summary, tx.conflicts


@dataclass
class RollbackPlan:
    """What rolling back a revision would do (shown for confirmation before it is done)."""

    revision_id: int
    description: str
    cells: pd.DataFrame  # store.rollback_preview: the cells it restores or removes
    kept: int  # cells a later revision changed, which the rollback keeps
    refused: str | None  # why it cannot be rolled back, or None
    # The board paper's words it restores or removes (Store.narrative_rollback_preview): what, item, action.
    words: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["what", "item", "action"]))

    @property
    def restored(self) -> int:
        return int((self.cells["action"] == "restore").sum()) + int((self.words["action"] == "restore").sum())

    @property
    def removed(self) -> int:
        return int((self.cells["action"] == "remove").sum()) + int((self.words["action"] == "remove").sum())


def rollback_plan(store: Store, revision_id: int, scope: Scope | None = None) -> RollbackPlan:
    """What rollback(store, revision_id) would restore, remove and keep, or why it would be refused (also when
    the revision wrote an area outside `scope`)."""
    revs = store.revisions().set_index("revision_id")
    if revision_id not in revs.index:
        return RollbackPlan(
            revision_id, "", pd.DataFrame(columns=["action"]), 0, f"revision {revision_id} does not exist"
        )
    rev = revs.loc[revision_id]
    refused = None
    if rev["action"] == "build":
        refused = f"revision {revision_id} is the initial build; rebuild the database instead"
    elif pd.notna(undone_by := revs["rolled_back_by"].get(revision_id)):
        refused = (
            f"revision {revision_id} was already rolled back by revision {int(undone_by)}; "
            "there is nothing left to undo"
        )
    elif scope is not None:
        try:
            scope.refuse_outside(store.revision_areas(revision_id), what="cells")
        except OutsideScope as exc:
            refused = str(exc)
    cells = store.rollback_preview(revision_id)
    words, words_written = store.narrative_rollback_preview(revision_id)
    kept = store.revision_cells_written(revision_id) - len(cells) + words_written - len(words)
    return RollbackPlan(
        revision_id, str(rev["description"]), cells, int(kept) if refused is None else 0, refused, words
    )


def sha256_of(path: Path | str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
