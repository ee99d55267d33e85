"""Writes: a revision of observations (or the rollback of one) and the derived rows it changes, in one
transaction.

    with store.write(info) as tx:              # one writer at a time; a new revision
        tx.write_observations(rows)              # or tx.rollback_revision(revision_id)
        for keys in tx.derive_batches(max_rows):
            derived = derive_frame(tx.rows_for_derive(keys), ...)
            tx.replace_derived(keys, derived)
    tx.revision_id, tx.summary                   # committed

The observations a write adds are inserted on the transaction's cursor in a worker thread while the caller
derives the first batch from them (DuckDB releases the GIL while it writes; derive is numpy and pandas): the
first rows_for_derive reads them from the frame and starts the insert, and the next use of the cursor waits for
it. The insert joins the transaction like any other statement, so it commits or rolls back with it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow as pa

from metrics.columns import OBS_COLUMNS, OBS_KEY
from metrics.periods import parse_period
from metrics.store.connection import StoreError
from metrics.store.narrative import rollback_versions
from metrics.store.reads import derive_input
from metrics.store.schema import CHANGED, CURRENT, FIGURES_CHANGED


@dataclass(frozen=True)
class RevisionInfo:
    author: str
    action: str  # build | upload | rollback
    file_name: str | None = None
    sha256: str | None = None
    file_format: str | None = None
    note: str | None = None
    rolls_back: int | None = None
    scope: str | None = None  # the rights it was written under, in words (metrics.access.Scope.name)

    @classmethod
    def rollback_of(cls, revision_id: int, author: str, scope: str | None = None) -> RevisionInfo:
        return cls(
            author=author,
            action="rollback",
            rolls_back=revision_id,
            note=f"rollback of revision {revision_id}",
            scope=scope,
        )


@dataclass(frozen=True)
class ChangeSummary:
    new: int
    changed: int  # figures changed (value, limits, count, denominator)
    unchanged: int
    removed: int = 0
    described: int = 0  # only the source or note changed ("description changed")


def rolled_back_by(cur, revision_id: int, other_than: int) -> int | None:
    """The rollback revision, other than `other_than` (the one being written), that undid `revision_id` and
    stands (was not itself rolled back), or None."""
    rows = cur.execute(
        """SELECT r.revision_id FROM revisions r
           WHERE r.action = 'rollback' AND r.rolls_back = ? AND r.revision_id <> ?
             AND NOT EXISTS (SELECT 1 FROM revisions u WHERE u.action = 'rollback' AND u.rolls_back = r.revision_id)
           ORDER BY r.revision_id DESC LIMIT 1""",
        [revision_id, other_than],
    ).fetchall()
    return int(rows[0][0]) if rows else None


def periods_frame(labels: Iterable[str]) -> pd.DataFrame:
    """The periods table rows for some period labels (each must parse; ingestion checks them first)."""
    parsed = [parse_period(label) for label in labels]
    return pd.DataFrame(
        {
            "period": [p.label for p in parsed],
            "kind": [p.kind for p in parsed],
            "start_date": [p.start_date for p in parsed],
            "end_date": [p.end_date for p in parsed],
            "sortable": [p.sortable for p in parsed],
            "start_year": [p.start_year for p in parsed],
        }
    )


def upsert_periods(cur, periods: pd.DataFrame) -> None:
    """periods: period, kind, start_date, end_date, sortable, start_year."""
    cur.register("_periods", periods)
    cur.execute("INSERT INTO periods BY NAME SELECT * FROM _periods ON CONFLICT (period) DO NOTHING")
    cur.unregister("_periods")


def new_revision(cur, info: RevisionInfo) -> int:
    rid = cur.execute("SELECT coalesce(max(revision_id), 0) + 1 FROM revisions").fetchall()[0][0]
    cur.execute(
        "INSERT INTO revisions (revision_id, created_at, author, action, file_name, sha256, file_format, "
        "rolls_back, note, scope) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            rid,
            datetime.now(UTC).replace(tzinfo=None),
            info.author,
            info.action,
            info.file_name,
            info.sha256,
            info.file_format,
            info.rolls_back,
            info.note,
            info.scope,
        ],
    )
    return int(rid)


class WriteTransaction:
    """One revision being written; made by Store.write, which commits it when the `with` block ends."""

    def __init__(self, cur, info: RevisionInfo):
        self._cur = cur
        self.info = info
        self.revision_id = new_revision(cur, info)
        self.summary: ChangeSummary | None = None
        self.conflicts = 0  # cells a rollback kept because a later revision changed them
        self.touched_metrics: list[str] = []  # the metrics whose derived rows must be rebuilt
        self._pending: pd.DataFrame | None = None  # observations still to insert
        self._inserting: threading.Thread | None = None
        self._insert_failure: list[BaseException] = []

    # ------------------------------------------------------------------ observations
    def write_observations(self, rows: pd.DataFrame) -> ChangeSummary:
        """Add the rows (OBS_COLUMNS) as this revision: new cells, and new versions of changed ones."""
        rows = rows[OBS_COLUMNS].reset_index(drop=True)
        cur, rid = self._cur, self.revision_id
        upsert_periods(cur, periods_frame(rows["period"].unique()))
        cur.register("_incoming", rows.assign(_position=np.arange(len(rows))))
        duplicates = cur.execute(
            f"SELECT {', '.join(OBS_KEY)} FROM _incoming GROUP BY ALL HAVING count(*) > 1 LIMIT 3"
        ).fetchall()
        if duplicates:
            raise StoreError(
                "the rows to write repeat a metric, area, period and breakdown (e.g. "
                + "; ".join(" / ".join(d) for d in duplicates)
                + "); nothing was written"
            )
        # Each incoming row's status, by its position, and the current version it replaces (its rowid): the rows
        # are written from the frame itself, not through a temporary copy of the whole upload, and the replaced
        # versions are marked by rowid, not by a second join on the four text columns of the key. Only the
        # upload's metrics are joined. The rowids hold: this transaction is the only writer.
        metrics = sorted(rows["metric_key"].unique().tolist())
        status = cur.execute(
            f"""SELECT n._position, o.stored_row, o.metric_key IS NULL AS is_new,
                       (o.metric_key IS NOT NULL AND ({CHANGED})) AS is_changed,
                       (o.metric_key IS NOT NULL AND ({FIGURES_CHANGED})) AS is_figure_changed
                FROM _incoming n
                LEFT JOIN (SELECT rowid AS stored_row, * FROM observation_versions
                           WHERE {CURRENT} AND metric_key IN (SELECT unnest(?::VARCHAR[]))) o
                USING (metric_key, area_code, period, breakdown)""",
            [metrics],
        ).fetchnumpy()
        cur.unregister("_incoming")
        is_new = np.zeros(len(rows), dtype=bool)
        is_changed = np.zeros(len(rows), dtype=bool)
        is_new[status["_position"][status["is_new"]]] = True
        is_changed[status["_position"][status["is_changed"]]] = True
        figures_changed = int(status["is_figure_changed"].sum())
        summary = ChangeSummary(
            new=int(is_new.sum()),
            changed=figures_changed,
            unchanged=int(len(rows) - is_new.sum() - is_changed.sum()),
            described=int(is_changed.sum()) - figures_changed,
        )
        if is_changed.any():
            # The versions this revision replaces stay where they are, marked as replaced by it (new cells have
            # none); the new versions are inserted later, alongside the first derivation.
            replaced = pd.DataFrame(
                {"stored_row": np.asarray(status["stored_row"][status["is_changed"]], dtype=np.int64)}
            )
            cur.register("_replaced", replaced)
            cur.execute(
                "UPDATE observation_versions SET replaced_by = ? WHERE rowid IN (SELECT stored_row FROM _replaced)",
                [rid],
            )
            cur.unregister("_replaced")
        written_mask = is_new | is_changed
        written = rows if written_mask.all() else rows.loc[written_mask]
        cur.execute(
            "UPDATE revisions SET rows_new = ?, rows_changed = ?, rows_unchanged = ? WHERE revision_id = ?",
            # rows_changed counts every new version of a stored row: figures or description changed.
            [summary.new, summary.changed + summary.described, summary.unchanged, rid],
        )
        if len(written):
            self._pending = written
            self.touched_metrics = sorted(written["metric_key"].unique().tolist())
        self.summary = summary
        return summary

    def rollback_revision(self, revision_id: int) -> ChangeSummary:
        """Undo one revision as this one.

        Each cell the revision wrote goes back to its version before that revision (or is removed if it did not
        exist), unless a later revision has changed it since: those cells are kept and counted in `conflicts`.
        """
        if self.info.rolls_back != revision_id:
            raise StoreError(f"this revision rolls back revision {self.info.rolls_back}, not {revision_id}")
        cur, rid = self._cur, self.revision_id
        exists = cur.execute("SELECT action FROM revisions WHERE revision_id = ?", [revision_id]).fetchall()
        if not exists:
            raise StoreError(f"revision {revision_id} does not exist")
        if exists[0][0] == "build":
            raise StoreError(f"revision {revision_id} is the initial build; rebuild the database instead")
        undone_by = rolled_back_by(cur, revision_id, rid)
        if undone_by is not None:
            raise StoreError(
                f"revision {revision_id} was already rolled back by revision {undone_by}; there is "
                "nothing left to undo, and nothing was written"
            )
        key = "metric_key, area_code, period, breakdown"
        cur.execute(
            f"""CREATE TEMP TABLE _undo AS
            WITH still_current AS (
                SELECT {key} FROM observations WHERE revision_id = ?
            ), prior AS (
                SELECT h.*, row_number() OVER (PARTITION BY h.metric_key, h.area_code, h.period, h.breakdown
                                               ORDER BY h.revision_id DESC) AS rn
                FROM observation_history h JOIN still_current s USING ({key})
                WHERE h.revision_id < ?
            )
            SELECT s.metric_key, s.area_code, s.period, s.breakdown,
                   p.value, p.lower95, p.upper95, p.lower998, p.upper998, p.count, p.denominator,
                   p.value_note, p.source, p.is_demo, p.published_comparison,
                   (p.metric_key IS NULL OR p.is_deleted) AS remove
            FROM still_current s LEFT JOIN (SELECT * FROM prior WHERE rn = 1) p USING ({key})""",
            [revision_id, revision_id],
        )
        written = cur.execute(
            "SELECT count(*) FROM observation_versions WHERE revision_id = ?", [revision_id]
        ).fetchall()[0][0]
        restored, removed = cur.execute(
            "SELECT count(*) FILTER (NOT remove), count(*) FILTER (remove) FROM _undo"
        ).fetchall()[0]
        conflicts = int(written) - int(restored) - int(removed)
        cols = ", ".join(OBS_COLUMNS)
        # The versions being undone (the current ones the revision wrote: _undo's cells) are replaced by this one:
        # by the version before them, or by a tombstone for a cell that is removed.
        cur.execute(
            f"UPDATE observation_versions SET replaced_by = ? WHERE {CURRENT} AND revision_id = ?", [rid, revision_id]
        )
        cur.execute(
            f"INSERT INTO observation_versions ({cols}, revision_id, is_deleted) SELECT {cols}, ?, remove FROM _undo",
            [rid],
        )
        self.touched_metrics = [
            r[0] for r in cur.execute("SELECT DISTINCT metric_key FROM _undo ORDER BY 1").fetchall()
        ]
        cur.execute("DROP TABLE _undo")
        # The board paper's words the revision wrote (plan, commentary, details) go back with it.
        words = rollback_versions(cur, revision_id, rid)
        restored, removed, conflicts = restored + words.changed, removed + words.removed, conflicts + words.unchanged
        summary = ChangeSummary(new=0, changed=int(restored), unchanged=conflicts, removed=int(removed))
        cur.execute(
            "UPDATE revisions SET rows_changed = ?, rows_removed = ?, rows_unchanged = ? WHERE revision_id = ?",
            [summary.changed, summary.removed, conflicts, rid],
        )
        self.summary, self.conflicts = summary, conflicts
        return summary

    # ------------------------------------------------------------------ derived values
    def derive_batches(self, max_rows: int) -> Iterator[list[str]]:
        """The touched metrics in batches of up to `max_rows` stored values (a metric bigger than that is a batch
        of its own). Everything derived stays within a metric, so a batch may split anywhere between metrics;
        batches bound the memory of a big upload, and grouping small metrics amortises derive's fixed cost."""
        if not self.touched_metrics:
            return
        sizes = self._observation_counts(self.touched_metrics)
        batch: list[str] = []
        rows = 0
        for key in self.touched_metrics:
            n = sizes.get(key, 0)
            if batch and rows + n > max_rows:
                yield batch
                batch, rows = [], 0
            batch.append(key)
            rows += n
        if batch:
            yield batch

    def rows_for_derive(self, metric_keys: list[str]) -> pd.DataFrame:
        """The current observations of some metrics, as this revision leaves them, with their area's level and
        region and their period's kind and order: what metrics.derive.derive_frame takes."""
        self._wait_for_insert()
        stored = derive_input(self._cur, metric_keys)
        if self._pending is not None:
            # The rows still to insert follow the stored ones, where an insert puts them; the insert then runs
            # while the caller derives.
            stored = pa.concat_tables([stored, self._pending_with_joins(metric_keys, stored.schema)])
            self._start_insert()
        return stored.to_pandas()

    def replace_derived(self, metric_keys: list[str], derived: pd.DataFrame) -> None:
        """Replace the metrics' rows of indicator_values with `derived` (metrics.derive.derive_frame's rows)."""
        self._wait_for_insert()
        cur = self._cur
        cur.execute("DELETE FROM indicator_values WHERE metric_key IN (SELECT unnest(?::VARCHAR[]))", [metric_keys])
        if len(derived):
            # Clustered by area, so that DuckDB's zone maps skip most row groups for the per-area page queries;
            # sorted here on integer ranks, which is cheaper than DuckDB sorting the whole payload. The insert
            # keeps the stream's order (preserve_insertion_order, DuckDB's default).
            order = sort_order(derived, ["area_code", "metric_key", "breakdown", "period_sortable"])
            cur.register("_derived", _stream(derived, order))
            cur.execute("INSERT INTO indicator_values BY NAME SELECT * FROM _derived")
            cur.unregister("_derived")

    # ------------------------------------------------------------------ the insert alongside derive
    def _observation_counts(self, metric_keys: list[str]) -> dict[str, int]:
        """Observations per metric, counting the rows still to insert."""
        self._wait_for_insert()
        rows = self._cur.execute(
            "SELECT metric_key, count(*) FROM observations WHERE metric_key IN (SELECT unnest(?::VARCHAR[])) "
            "GROUP BY metric_key",
            [metric_keys],
        ).fetchall()
        counts = {k: int(n) for k, n in rows}
        if self._pending is not None:
            pending = self._pending["metric_key"].value_counts(sort=False)
            for key, n in pending.items():
                counts[str(key)] = counts.get(str(key), 0) + int(n)
        return counts

    def _pending_with_joins(self, metric_keys: list[str], schema: pa.Schema) -> pa.Table:
        """The pending rows of some metrics as the stored rows' query would give them once inserted, joined in
        Arrow by their distinct area codes and periods (cheaper than having DuckDB scan and join the frame)."""
        cur = self._cur
        assert self._pending is not None  # the caller checked
        rows = self._pending[self._pending["metric_key"].isin(metric_keys)]
        area_codes, area_u = pd.factorize(rows["area_code"])
        period_codes, period_u = pd.factorize(rows["period"])
        areas = (
            cur.execute(
                "SELECT area_code, level, region_code FROM areas WHERE area_code IN (SELECT unnest(?::VARCHAR[]))",
                [[str(a) for a in area_u]],
            )
            .df()
            .set_index("area_code")
        )
        periods = (
            cur.execute(
                "SELECT period, kind, sortable, start_year FROM periods WHERE period IN (SELECT unnest(?::VARCHAR[]))",
                [[str(p) for p in period_u]],
            )
            .df()
            .set_index("period")
        )
        areas = areas.reindex(pd.Index(area_u, dtype=object))
        periods = periods.reindex(pd.Index(period_u, dtype=object))
        # An inner join: a row without a known area or period is left out, as the stored rows' join leaves it.
        known = areas["level"].notna().to_numpy()[area_codes] & periods["kind"].notna().to_numpy()[period_codes]
        if not known.all():
            rows, area_codes, period_codes = rows[known], area_codes[known], period_codes[known]
        table = pa.Table.from_pandas(rows[OBS_COLUMNS], preserve_index=False)

        def by_code(values: pd.Series, codes: np.ndarray):
            return pa.array(values.to_numpy(dtype=object), from_pandas=True).take(codes)  # a few hundred values

        columns = {name: table[name] for name in OBS_COLUMNS}
        columns.update(
            revision_id=pa.array(np.full(len(rows), self.revision_id, dtype=np.int32)),
            level=by_code(areas["level"], area_codes),
            region_code=by_code(areas["region_code"], area_codes),
            period_kind=by_code(periods["kind"], period_codes),
            period_sortable=by_code(periods["sortable"], period_codes),
            start_year=by_code(periods["start_year"], period_codes),
        )
        return pa.table([columns[name] for name in schema.names], names=schema.names).cast(schema)

    def _start_insert(self) -> None:
        """Insert the pending rows in a worker thread; nothing else uses the cursor until _wait_for_insert."""
        rows, self._pending = self._pending, None

        def insert():
            try:
                cols = ", ".join(OBS_COLUMNS)
                self._cur.register("_pending", rows)
                self._cur.execute(
                    f"INSERT INTO observation_versions ({cols}, revision_id) SELECT {cols}, ? FROM _pending",
                    [self.revision_id],
                )
                self._cur.unregister("_pending")
            except BaseException as exc:  # raised in the calling thread by _wait_for_insert
                self._insert_failure.append(exc)

        self._inserting = threading.Thread(target=insert, name="observations-insert")
        self._inserting.start()

    def _wait_for_insert(self) -> None:
        if self._inserting is not None:
            self._inserting.join()
            self._inserting = None
        if self._insert_failure:
            raise self._insert_failure.pop()

    def finish(self) -> None:
        """Store.write calls this before the commit: insert the rows no derivation has inserted."""
        if self._pending is not None:
            self._start_insert()
        self._wait_for_insert()

    def abandon(self) -> None:
        """Store.write calls this before a rollback: the cursor must be free again (the insert's own failure, if
        any, is dropped for the one that ended the block)."""
        if self._inserting is not None:
            self._inserting.join()
            self._inserting = None


def _stream(frame: pd.DataFrame, order, rows_per_batch: int = 65_536):
    """The frame's rows in `order` (positions) as an Arrow stream for cursor.register. DuckDB keeps whatever is
    registered alive until the transaction ends, so a commit that derives metric after metric would otherwise hold
    every batch's frame at once; a consumed stream holds nothing."""
    table = pa.Table.from_pandas(frame, preserve_index=False)

    def batches(table=table):
        for start in range(0, len(order), rows_per_batch):
            yield from table.take(order[start : start + rows_per_batch]).to_batches()

    return pa.RecordBatchReader.from_batches(table.schema, batches())


def sort_order(frame: pd.DataFrame, by: list[str]) -> np.ndarray:
    """Row positions that sort the frame by `by` as DuckDB's ORDER BY would (text by its bytes, missing last),
    through integer ranks of each column's distinct values (a few hundred) instead of comparing strings."""
    keys = []
    for column in reversed(by):  # np.lexsort: the last key is the primary one
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype):  # by the categories' text, not their order
            rank = np.argsort(np.argsort(values.cat.categories.astype(str).to_numpy(dtype=object)))
            codes = values.cat.codes.to_numpy()
            keys.append(np.where(codes < 0, len(rank), np.append(rank, 0)[codes]))
        elif pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
            keys.append(values.to_numpy(dtype=float, na_value=np.nan))  # NaN sorts last
        else:
            codes, uniques = pd.factorize(values, sort=True)
            keys.append(np.where(codes < 0, len(uniques), codes))
    return np.lexsort(keys)
