"""Store: one DuckDB file, its reads (metrics.store.reads) and its write transactions (metrics.store.writes)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from metrics.store.backup import copy_database, default_backup_dir, default_backups_kept
from metrics.store.connection import (
    StoreDamaged,
    StoreError,
    StoreFull,
    first_line,
    is_damage,
    is_disk_full,
    open_file,
    release_file,
)
from metrics.store.narrative import (
    NarrativeChange,
    VersionedTable,
    current_items,
    item_history,
    narrative_cells_written,
    preview_versions,
    previewable,
    record_narrative,
    rollback_preview_items,
)
from metrics.store.reads import Reads
from metrics.store.schema import SCHEMA_VERSION, ensure_schema
from metrics.store.writes import RevisionInfo, WriteTransaction, new_revision, upsert_periods


class Store(Reads):
    """One DuckDB file. Thread-safe: a cursor per query, writes serialised."""

    def __init__(
        self,
        path: Path | str,
        read_only: bool = False,
        backups_kept: int | None = None,
        backup_dir: Path | None = None,
        lock_wait: float | None = None,
        on_wait: Callable[[str], None] | None = None,
        shared: bool = False,
    ):
        """Opens the file, waiting up to `lock_wait` seconds (default store.lock_wait_seconds) while another
        process writes it (or, to write, reads it), told once through `on_wait` (default: stderr); StoreBusy
        after that, naming what holds it. `shared` (the dashboard): the file is held read-only, beside other
        processes' readers, and opened for writing only for each transaction."""
        self.path = Path(path)
        self._lock_wait, self._on_wait = lock_wait, on_wait
        self.read_only = read_only
        # Copies of the file kept before each upload or rollback (config/settings.yaml store.backups_kept).
        self.backups_kept = default_backups_kept() if backups_kept is None else backups_kept
        self.backup_dir = Path(backup_dir) if backup_dir else default_backup_dir(self.path)
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open_file(self.path, read_only, lock_wait, on_wait, shared=shared and not read_only)
        self._write_lock = self._file.write_lock
        self._closed = False
        if not read_only and not (self._file.shared and self._schema_is_current()):
            try:
                with self.transaction() as cur:
                    ensure_schema(cur, self.path)
            except BaseException:
                self.close()
                raise

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            release_file(self.path)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def _con(self) -> duckdb.DuckDBPyConnection:
        """The file's connection now (a shared file's changes around each write): queries take _cursor()."""
        return self._file.current(self._lock_wait)

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of its own for one query, which a shared file's swap to writing waits for."""
        with self._file.gate.reading():
            cur = self._file.current(self._lock_wait).cursor()
            try:
                yield cur
            finally:
                cur.close()

    def _schema_is_current(self) -> bool:
        try:
            return self.schema_version() == SCHEMA_VERSION
        except (duckdb.Error, TypeError, ValueError):  # no meta table yet: a new file
            return False

    def _query(self, sql: str, params: Iterable | None = None) -> pd.DataFrame:
        with self._cursor() as cur:
            try:
                return cur.execute(sql, list(params) if params is not None else None).df()
            except duckdb.Error as exc:
                raise self._explained(exc) from None

    def _scalar(self, sql: str, params: Iterable | None = None):
        with self._cursor() as cur:
            try:
                row = cur.execute(sql, list(params) if params is not None else None).fetchall()
                return row[0][0] if row else None
            except duckdb.Error as exc:
                raise self._explained(exc) from None

    def _explained(self, exc: BaseException) -> BaseException:
        """A DuckDB or OS error as StoreDamaged or StoreFull when it is one of those, else as it is."""
        if is_disk_full(exc):
            return StoreFull(
                f"the disk holding {self.path} is full ({first_line(exc)}); the upload or rollback "
                "was not written and the database is as it was. Free some disk space and try again"
            )
        if is_damage(exc):
            return StoreDamaged(self.path, first_line(exc))
        if isinstance(exc, duckdb.Error) and "invalidated" in str(exc).lower():
            return StoreError(
                f"this process's connection to {self.path} stopped after an earlier failed write "
                f"({first_line(exc)}); restart the dashboard or command"
            )
        return exc

    def backup(self, reason: str = "manual"):
        """Copy the file now (under the write lock), keeping `backups_kept` copies; the Backup, or None when
        backups are switched off."""
        if self.read_only:
            raise StoreError(f"{self.path} is open read-only")
        with self._write_lock, self._file.writing(self._lock_wait, self._on_wait):
            return copy_database(self.path, reason, max(self.backups_kept, 1), self.backup_dir, live=self._live())

    def _live(self) -> int:
        assert self._file.live is not None  # a file opened for writing keeps one
        return self._file.live

    # ------------------------------------------------------------------ writing
    @contextmanager
    def transaction(self, backup_reason: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """One writer at a time; everything inside commits together or not at all. With `backup_reason`, the
        file is first copied as a backup (under the same lock, so no write lands between copy and begin).
        A full disk is raised as StoreFull, a damaged file as StoreDamaged; either way nothing is written."""
        if self.read_only:
            raise StoreError(f"{self.path} is open read-only")
        with self._write_lock, self._file.writing(self._lock_wait, self._on_wait) as connection:
            if backup_reason is not None:
                copy_database(self.path, backup_reason, self.backups_kept, self.backup_dir, live=self._live())
            cur = connection.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except BaseException as exc:
                # a failed commit or a fatal error has already ended the transaction
                with contextlib.suppress(duckdb.Error):
                    cur.execute("ROLLBACK")
                cur.close()
                explained = self._explained(exc)
                if explained is exc:
                    raise
                raise explained from None
            try:
                cur.execute("COMMIT")
            except duckdb.Error as exc:
                explained = self._explained(exc)
                if explained is exc:
                    raise
                raise explained from None
            finally:
                cur.close()

    @contextmanager
    def write(self, info: RevisionInfo) -> Iterator[WriteTransaction]:
        """A new revision: observations written (or a revision rolled back) and the derived rows they change,
        committed together when the block ends, or not at all. The file is backed up first (not while building
        a new file: there is nothing to lose)."""
        backup_reason = None if info.action == "build" else f"before-{info.action}"
        with self.transaction(backup_reason) as cur:
            tx = WriteTransaction(cur, info)
            try:
                yield tx
            except BaseException:
                tx.abandon()
                raise
            tx.finish()

    # ------------------------------------------------------------------ the board paper's words
    def write_narrative(
        self, info: RevisionInfo, table: VersionedTable, rows: pd.DataFrame, removed: pd.DataFrame | None = None
    ) -> tuple[int, NarrativeChange, pd.DataFrame]:
        """Plan actions, commentary or paper details written (and items removed) as one new revision, backed up
        first; nothing is written if anything fails. A plan action without an action_id gets a new one. Returns
        the revision, what changed and the rows as written (with their ids)."""
        with self.transaction(f"before-{info.action}") as cur:
            rid = new_revision(cur, info)
            change, rows = record_narrative(cur, rid, table, rows, removed)
        return rid, change, rows

    def preview_narrative(
        self, table: VersionedTable, rows: pd.DataFrame, removed: pd.DataFrame | None = None
    ) -> NarrativeChange:
        """What write_narrative would change, without writing."""
        cur = self._con.cursor()
        try:
            return preview_versions(cur, table, previewable(table, rows), removed)
        finally:
            cur.close()

    def narrative(
        self, table: VersionedTable, area_codes: list[str] | None = None, as_of: int | None = None
    ) -> pd.DataFrame:
        """The current items of a narrative table (or those of revision `as_of`), with who wrote them and when."""
        cur = self._con.cursor()
        try:
            return current_items(cur, table, area_codes, as_of)
        finally:
            cur.close()

    def narrative_rollback_preview(self, revision_id: int) -> tuple[pd.DataFrame, int]:
        """The plan actions, commentary and details a rollback of the revision would restore or remove, and how
        many items the revision wrote (current or changed since)."""
        cur = self._con.cursor()
        try:
            return rollback_preview_items(cur, revision_id), narrative_cells_written(cur, revision_id)
        finally:
            cur.close()

    def narrative_history(self, table: VersionedTable, key: dict[str, str]) -> pd.DataFrame:
        cur = self._con.cursor()
        try:
            return item_history(cur, table, key)
        finally:
            cur.close()

    # ------------------------------------------------------------------ meta and reference data
    def schema_version(self) -> int:
        return int(self._scalar("SELECT value FROM meta WHERE key = 'schema_version'"))

    def get_meta(self, key: str) -> str | None:
        return self._scalar("SELECT value FROM meta WHERE key = ?", [key])

    def set_meta(self, cur, key: str, value: str) -> None:
        cur.execute(
            "INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value]
        )

    def replace_areas(self, cur, areas: pd.DataFrame) -> None:
        """areas: area_code, area_name, level, region_code, members (comma-separated)."""
        cur.execute("DELETE FROM areas")
        cur.register("_areas", areas)
        cur.execute("INSERT INTO areas BY NAME SELECT * FROM _areas")
        cur.unregister("_areas")

    def upsert_periods(self, cur, periods: pd.DataFrame) -> None:
        """periods: period, kind, start_date, end_date, sortable, start_year."""
        upsert_periods(cur, periods)
