"""Writes on PostgreSQL: metrics.store.writes' WriteTransaction (same interface, same results) in PostgreSQL's
SQL. The incoming rows are copied into a temporary table (COPY, CSV) and compared with the current versions there;
the replaced versions are marked and the new ones inserted at once (PostgreSQL has no worker-thread overlap to
win: the server does the work while the client derives nothing yet).
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import numpy as np
import pandas as pd

from metrics.columns import OBS_COLUMNS, OBS_KEY
from metrics.store.connection import StoreError
from metrics.store.narrative import rollback_versions
from metrics.store.postgres.connection import DuckCursor, arrow_table, as_duckdb_arrow
from metrics.store.postgres.schema import OBS_TYPES
from metrics.store.schema import CHANGED, CURRENT, FIGURES_CHANGED
from metrics.store.writes import ChangeSummary, RevisionInfo, new_revision, periods_frame, sort_order

KEY = ", ".join(OBS_KEY)
NULL = r"\N"
INTEGER_COLUMNS = {"revision_id", "period_sortable", "start_year", "sortable"}
DERIVE_INPUT = """SELECT o.*, a.level, a.region_code, p.kind AS period_kind, p.sortable AS period_sortable,
                         p.start_year
                  FROM observations o
                  JOIN areas a USING (area_code)
                  JOIN periods p USING (period)
                  WHERE o.metric_key = ANY(%s::text[])"""


def copy_frame(cur, table: str, frame: pd.DataFrame) -> None:
    """COPY a frame's rows into a table by column name, as CSV (floats written exactly, missing as \\N)."""
    integers = {c: "Int64" for c in frame.columns if c in INTEGER_COLUMNS and frame[c].dtype.kind == "f"}
    if integers:  # a float column of whole numbers (with gaps) would be written "3.0"
        frame = frame.astype(integers)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False, na_rep=NULL, lineterminator="\n")
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')") as copy:
        copy.write(buffer.getvalue())


def derive_input(cur, metric_keys: list[str]):
    """The current observations of some metrics as the DuckDB store's derive_input gives them (an Arrow table)."""
    cur.execute(DERIVE_INPUT, [list(metric_keys)])
    return as_duckdb_arrow(arrow_table(cur.description, cur.fetchall()))


def upsert_periods(cur, periods: pd.DataFrame) -> None:
    cur.executemany(
        "INSERT INTO periods (period, kind, start_date, end_date, sortable, start_year) "
        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (period) DO NOTHING",
        [
            tuple(r)
            for r in periods[["period", "kind", "start_date", "end_date", "sortable", "start_year"]].itertuples(
                index=False
            )
        ],
    )


class PgWriteTransaction:
    """One revision being written; made by PgStore.write, which commits it when the `with` block ends."""

    def __init__(self, cur, info: RevisionInfo):
        self._cur = cur
        self.info = info
        self.revision_id = new_revision(DuckCursor(cur), info)
        self.summary: ChangeSummary | None = None
        self.conflicts = 0
        self.touched_metrics: list[str] = []

    def write_observations(self, rows: pd.DataFrame) -> ChangeSummary:
        """Add the rows (OBS_COLUMNS) as this revision: new cells, and new versions of changed ones."""
        rows = rows[OBS_COLUMNS].reset_index(drop=True)
        cur, rid = self._cur, self.revision_id
        upsert_periods(cur, periods_frame(rows["period"].unique()))
        columns = ", ".join(f"{c} {t}" for c, t in OBS_TYPES.items())
        cur.execute(f"CREATE TEMP TABLE _incoming ({columns}) ON COMMIT DROP")
        copy_frame(cur, "_incoming", rows)
        duplicates = cur.execute(f"SELECT {KEY} FROM _incoming GROUP BY {KEY} HAVING count(*) > 1 LIMIT 3").fetchall()
        if duplicates:
            raise StoreError(
                "the rows to write repeat a metric, area, period and breakdown (e.g. "
                + "; ".join(" / ".join(d) for d in duplicates)
                + "); nothing was written"
            )
        on_key = " AND ".join(f"o.{c} = n.{c}" for c in OBS_KEY)
        cur.execute(
            f"""CREATE TEMP TABLE _written ON COMMIT DROP AS
                SELECT n.*, o.metric_key IS NULL AS is_new,
                       (o.metric_key IS NOT NULL AND ({CHANGED})) AS is_changed,
                       (o.metric_key IS NOT NULL AND ({FIGURES_CHANGED})) AS is_figure_changed
                FROM _incoming n LEFT JOIN observation_versions o ON {on_key} AND o.replaced_by IS NULL
                                                                  AND NOT o.is_deleted"""
        )
        new, changed, figures_changed = cur.execute(
            "SELECT count(*) FILTER (WHERE is_new), count(*) FILTER (WHERE is_changed), "
            "count(*) FILTER (WHERE is_figure_changed) FROM _written"
        ).fetchone()
        summary = ChangeSummary(
            new=int(new),
            changed=int(figures_changed),
            unchanged=int(len(rows) - new - changed),
            described=int(changed) - int(figures_changed),
        )
        if changed:
            cur.execute(
                f"""UPDATE observation_versions o SET replaced_by = %s FROM _written n
                    WHERE n.is_changed AND {on_key} AND o.replaced_by IS NULL AND NOT o.is_deleted""",
                [rid],
            )
        cols = ", ".join(OBS_COLUMNS)
        cur.execute(
            f"INSERT INTO observation_versions ({cols}, revision_id) "
            f"SELECT {cols}, %s FROM _written WHERE is_new OR is_changed",
            [rid],
        )
        cur.execute(
            "UPDATE revisions SET rows_new = %s, rows_changed = %s, rows_unchanged = %s WHERE revision_id = %s",
            [summary.new, summary.changed + summary.described, summary.unchanged, rid],
        )
        self.touched_metrics = [
            r[0]
            for r in cur.execute(
                "SELECT DISTINCT metric_key FROM _written WHERE is_new OR is_changed ORDER BY 1"
            ).fetchall()
        ]
        cur.execute("DROP TABLE _incoming, _written")
        self.summary = summary
        return summary

    def rollback_revision(self, revision_id: int) -> ChangeSummary:
        """Undo one revision as this one (metrics.store.writes.WriteTransaction.rollback_revision's rules)."""
        from metrics.store.writes import rolled_back_by

        if self.info.rolls_back != revision_id:
            raise StoreError(f"this revision rolls back revision {self.info.rolls_back}, not {revision_id}")
        cur, rid = self._cur, self.revision_id
        exists = cur.execute("SELECT action FROM revisions WHERE revision_id = %s", [revision_id]).fetchall()
        if not exists:
            raise StoreError(f"revision {revision_id} does not exist")
        if exists[0][0] == "build":
            raise StoreError(f"revision {revision_id} is the initial build; rebuild the database instead")
        undone_by = rolled_back_by(DuckCursor(cur), revision_id, rid)
        if undone_by is not None:
            raise StoreError(
                f"revision {revision_id} was already rolled back by revision {undone_by}; there is "
                "nothing left to undo, and nothing was written"
            )
        cur.execute(
            f"""CREATE TEMP TABLE _undo ON COMMIT DROP AS
            WITH still_current AS (
                SELECT {KEY} FROM observations WHERE revision_id = %s
            ), prior AS (
                SELECT h.*, row_number() OVER (PARTITION BY h.metric_key, h.area_code, h.period, h.breakdown
                                               ORDER BY h.revision_id DESC) AS rn
                FROM observation_history h JOIN still_current s USING ({KEY})
                WHERE h.revision_id < %s
            )
            SELECT s.metric_key, s.area_code, s.period, s.breakdown,
                   p.value, p.lower95, p.upper95, p.lower998, p.upper998, p.count, p.denominator,
                   p.value_note, p.source, p.is_demo, p.published_comparison,
                   (p.metric_key IS NULL OR p.is_deleted) AS remove
            FROM still_current s LEFT JOIN (SELECT * FROM prior WHERE rn = 1) p USING ({KEY})""",
            [revision_id, revision_id],
        )
        written = cur.execute(
            "SELECT count(*) FROM observation_versions WHERE revision_id = %s", [revision_id]
        ).fetchone()[0]
        restored, removed = cur.execute(
            "SELECT count(*) FILTER (WHERE NOT remove), count(*) FILTER (WHERE remove) FROM _undo"
        ).fetchone()
        conflicts = int(written) - int(restored) - int(removed)
        cols = ", ".join(OBS_COLUMNS)
        cur.execute(
            f"UPDATE observation_versions SET replaced_by = %s WHERE {CURRENT} AND revision_id = %s", [rid, revision_id]
        )
        cur.execute(
            f"INSERT INTO observation_versions ({cols}, revision_id, is_deleted) SELECT {cols}, %s, remove FROM _undo",
            [rid],
        )
        self.touched_metrics = [
            r[0] for r in cur.execute("SELECT DISTINCT metric_key FROM _undo ORDER BY 1").fetchall()
        ]
        cur.execute("DROP TABLE _undo")
        # The board paper's words the revision wrote (plan, commentary, details) go back with it.
        words = rollback_versions(DuckCursor(cur), revision_id, rid)
        restored, removed = int(restored) + words.changed, int(removed) + words.removed
        conflicts += words.unchanged
        summary = ChangeSummary(new=0, changed=int(restored), unchanged=conflicts, removed=int(removed))
        cur.execute(
            "UPDATE revisions SET rows_changed = %s, rows_removed = %s, rows_unchanged = %s WHERE revision_id = %s",
            [summary.changed, summary.removed, conflicts, rid],
        )
        self.summary, self.conflicts = summary, conflicts
        return summary

    # ------------------------------------------------------------------ derived values
    def derive_batches(self, max_rows: int) -> Iterator[list[str]]:
        if not self.touched_metrics:
            return
        sizes = {
            k: int(n)
            for k, n in self._cur.execute(
                "SELECT metric_key, count(*) FROM observations WHERE metric_key = ANY(%s::text[]) GROUP BY metric_key",
                [self.touched_metrics],
            ).fetchall()
        }
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
        return derive_input(self._cur, metric_keys).to_pandas()

    def replace_derived(self, metric_keys: list[str], derived: pd.DataFrame) -> None:
        cur = self._cur
        cur.execute("DELETE FROM indicator_values WHERE metric_key = ANY(%s::text[])", [list(metric_keys)])
        if len(derived):
            order = sort_order(derived, ["area_code", "metric_key", "breakdown", "period_sortable"])
            copy_frame(cur, "indicator_values", derived.iloc[np.asarray(order)])

    def finish(self) -> None:
        """Nothing is left to insert (the interface of WriteTransaction)."""

    def abandon(self) -> None:
        """Nothing runs beside the transaction (the interface of WriteTransaction)."""
