"""Store: one DuckDB file, its reads (metrics.store.reads) and its write transactions (metrics.store.writes)."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

import duckdb
import pandas as pd

from metrics.store.connection import StoreError, open_file, release_file
from metrics.store.reads import Reads
from metrics.store.schema import ensure_schema
from metrics.store.writes import RevisionInfo, WriteTransaction, upsert_periods


class Store(Reads):
    """One DuckDB file. Thread-safe: a cursor per query, writes serialised."""

    def __init__(self, path: Path | str, read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open_file(self.path, read_only)
        self._con = self._file.connection
        self._write_lock = self._file.write_lock
        self._closed = False
        if not read_only:
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

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _query(self, sql: str, params: Iterable | None = None) -> pd.DataFrame:
        cur = self._con.cursor()
        try:
            return cur.execute(sql, list(params) if params is not None else None).df()
        finally:
            cur.close()

    def _scalar(self, sql: str, params: Iterable | None = None):
        cur = self._con.cursor()
        try:
            row = cur.execute(sql, list(params) if params is not None else None).fetchall()
            return row[0][0] if row else None
        finally:
            cur.close()

    # ------------------------------------------------------------------ writing
    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One writer at a time; everything inside commits together or not at all."""
        if self.read_only:
            raise StoreError(f"{self.path} is open read-only")
        with self._write_lock:
            cur = self._con.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                cur.close()
                raise
            cur.execute("COMMIT")
            cur.close()

    @contextmanager
    def write(self, info: RevisionInfo) -> Iterator[WriteTransaction]:
        """A new revision: observations written (or a revision rolled back) and the derived rows they change,
        committed together when the block ends, or not at all."""
        with self.transaction() as cur:
            tx = WriteTransaction(cur, info)
            try:
                yield tx
            except BaseException:
                tx.abandon()
                raise
            tx.finish()

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
