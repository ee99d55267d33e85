"""PgStore: the shared store on a PostgreSQL server, with Store's interface (metrics.store.database) and its reads
(metrics.store.reads, whose queries run here as written where PostgreSQL reads them alike, and are given in
PostgreSQL's words below where DuckDB's differ: QUALIFY, arg_max, GROUP BY ALL, registered frames).

Writers on every server and the command line take one transaction-level advisory lock, so uploads, refreshes and
rollbacks happen one at a time across processes: a second writer waits (up to `write_wait` seconds) and then
writes on top of the first, or is refused with StoreBusy and nothing written. Each transaction commits entirely or
not at all, also when its process is killed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pandas as pd

from metrics.columns import DEFAULT_BREAKDOWN, OBS_COLUMNS
from metrics.stats import CANNOT_BE_CALCULATED, COMPARE_LABELS, NOT_COMPARED
from metrics.store.connection import StoreError
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
from metrics.store.postgres.connection import (
    DEFAULT_SCHEMA,
    DuckCursor,
    StoreBusy,
    arrow_table,
    as_frame,
    first_line,
    open_pool,
    redacted,
    release_pool,
    to_pg,
)
from metrics.store.postgres.schema import OBS_TYPES, ensure_schema
from metrics.store.postgres.writes import PgWriteTransaction, copy_frame, derive_input, upsert_periods
from metrics.store.reads import _INCOMING_JOINED, _OLD_VALUES, _STATUS, VALUE_COLUMNS, Reads, _kinds_lists
from metrics.store.writes import RevisionInfo, new_revision

WRITE_LOCK = 0x0CD0F  # the advisory lock every write transaction takes
BUILD_LOCK = 0x0CD0E  # held while the default database is built, so two servers starting at once build it once
BUILDING_SCHEMA = DEFAULT_SCHEMA + "_building"
WRITE_WAIT_SECONDS = 60


def _connect_once(url: str):
    import psycopg

    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=15)
    except psycopg.Error as exc:
        raise StoreError(f"cannot connect to the database {redacted(url)}: {first_line(exc)}") from None


def database_built(url: str, schema: str = DEFAULT_SCHEMA) -> bool:
    """True when the database holds the store's tables (a schema version in its meta table)."""
    with _connect_once(url) as con:
        found = con.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = 'meta'", [schema]
        ).fetchone()
        return found is not None


@contextmanager
def build_lock(url: str):
    """Held while the default database is built: a second process waits, then finds it built."""
    with _connect_once(url) as con:
        con.execute("SELECT pg_advisory_lock(%s)", [BUILD_LOCK])
        try:
            yield
        finally:
            con.execute("SELECT pg_advisory_unlock(%s)", [BUILD_LOCK])


def swap_in_built_schema(url: str) -> None:
    """The schema just built replaces the store's, in one transaction: readers see the old or the new, never half."""
    with _connect_once(url) as con, con.transaction():
        con.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
        con.execute(f"DROP SCHEMA IF EXISTS {DEFAULT_SCHEMA} CASCADE")
        con.execute(f"ALTER SCHEMA {BUILDING_SCHEMA} RENAME TO {DEFAULT_SCHEMA}")


def drop_building_schema(url: str) -> None:
    with _connect_once(url) as con:
        con.execute(f"DROP SCHEMA IF EXISTS {BUILDING_SCHEMA} CASCADE")


class PgStore(Reads):
    """A PostgreSQL database (its `schema`). Thread-safe: a pooled connection per query, writes serialised across
    every process by an advisory lock."""

    def __init__(
        self,
        url: str,
        read_only: bool = False,
        backups_kept: int | None = None,
        backup_dir=None,
        schema: str = DEFAULT_SCHEMA,
        write_wait: float = WRITE_WAIT_SECONDS,
    ):
        self.url, self.schema, self.read_only, self.write_wait = url, schema, read_only, write_wait
        self.path = redacted(url)  # what messages name
        self.backups_kept = 0  # a PostgreSQL database is backed up with pg_dump (README, "Deployment")
        self._pool = open_pool(url, schema).pool
        self._closed = False
        if not read_only:
            try:
                with self.transaction() as cur:
                    ensure_schema(cur, schema, self.path)
            except BaseException:
                self.close()
                raise

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            release_pool(self.url, self.schema)

    def __enter__(self) -> PgStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        import psycopg

        try:
            with self._pool.connection() as con, con.cursor() as cur:  # type: ignore[attr-defined]
                yield cur
        except psycopg.OperationalError as exc:
            raise StoreError(f"the database {self.path} cannot be reached: {first_line(exc)}") from None

    def _query(self, sql: str, params: Iterable | None = None) -> pd.DataFrame:
        with self._cursor() as cur:
            cur.execute(to_pg(sql), list(params) if params is not None else None)
            return as_frame(arrow_table(cur.description, cur.fetchall()))

    def _scalar(self, sql: str, params: Iterable | None = None):
        from decimal import Decimal

        with self._cursor() as cur:
            cur.execute(to_pg(sql), list(params) if params is not None else None)
            row = cur.fetchone()
        value = row[0] if row else None
        return float(value) if isinstance(value, Decimal) else value

    # ---------------------------------------------------------------- the board paper's words
    def narrative(
        self, table: VersionedTable, area_codes: list[str] | None = None, as_of: int | None = None
    ) -> pd.DataFrame:
        with self._cursor() as cur:
            return current_items(DuckCursor(cur), table, area_codes, as_of)

    def narrative_rollback_preview(self, revision_id: int) -> tuple[pd.DataFrame, int]:
        with self._cursor() as cur:
            frames = DuckCursor(cur)
            return rollback_preview_items(frames, revision_id), narrative_cells_written(frames, revision_id)

    def narrative_history(self, table: VersionedTable, key: dict[str, str]) -> pd.DataFrame:
        with self._cursor() as cur:
            return item_history(DuckCursor(cur), table, key)

    def write_narrative(
        self, info: RevisionInfo, table: VersionedTable, rows: pd.DataFrame, removed: pd.DataFrame | None = None
    ) -> tuple[int, NarrativeChange, pd.DataFrame]:
        """Store.write_narrative on PostgreSQL: one revision, under the write lock every writer takes."""
        with self.transaction() as cur:
            words = DuckCursor(cur)
            rid = new_revision(words, info)
            change, rows = record_narrative(words, rid, table, rows, removed)
        return rid, change, rows

    def preview_narrative(
        self, table: VersionedTable, rows: pd.DataFrame, removed: pd.DataFrame | None = None
    ) -> NarrativeChange:
        with self._cursor() as cur, cur.connection.transaction(force_rollback=True):
            return preview_versions(DuckCursor(cur), table, previewable(table, rows), removed)

    def backup(self, reason: str = "manual"):
        raise StoreError(
            f"{self.path} is a PostgreSQL database: back it up with pg_dump (see the README, 'Deployment'); "
            "the dashboard keeps file copies only of a DuckDB file"
        )

    # ------------------------------------------------------------------ writing
    @contextmanager
    def transaction(self, backup_reason: str | None = None) -> Iterator[Any]:
        """One writer at a time across every process on this database; everything inside commits together or
        not at all. A writer that cannot start within write_wait seconds is refused with StoreBusy."""
        import psycopg

        if self.read_only:
            raise StoreError(f"{self.path} is open read-only")
        with self._cursor() as cur:
            con = cur.connection
            with con.transaction():
                cur.execute(f"SET LOCAL lock_timeout = '{int(self.write_wait * 1000)}ms'")
                try:
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
                except psycopg.errors.LockNotAvailable:
                    raise StoreBusy(
                        f"another upload, refresh or rollback is being written to {self.path} and did not finish "
                        f"within {self.write_wait:g} s; nothing was written. Try again in a minute"
                    ) from None
                cur.execute("SET LOCAL lock_timeout = 0")
                yield cur

    @contextmanager
    def write(self, info: RevisionInfo) -> Iterator[PgWriteTransaction]:
        with self.transaction() as cur:
            yield PgWriteTransaction(cur, info)
        # Fresh statistics at once (autovacuum would take its time): planned on a new database's missing ones,
        # the spine chart's query ran for minutes instead of 0.3 s.
        with self._cursor() as cur:
            cur.execute("ANALYZE observation_versions, indicator_values, areas, periods, revisions")

    # ------------------------------------------------------------------ meta and reference data
    def schema_version(self) -> int:
        return int(self._scalar("SELECT value FROM meta WHERE key = 'schema_version'"))

    def get_meta(self, key: str) -> str | None:
        return self._scalar("SELECT value FROM meta WHERE key = ?", [key])

    def set_meta(self, cur, key: str, value: str) -> None:
        cur.execute(
            "INSERT INTO meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value]
        )

    def replace_areas(self, cur, areas: pd.DataFrame) -> None:
        cur.execute("DELETE FROM areas")
        copy_frame(cur, "areas", areas)

    def upsert_periods(self, cur, periods: pd.DataFrame) -> None:
        upsert_periods(cur, periods)

    # ------------------------------------------------------------------ reads in PostgreSQL's words
    def observations_for_derive(self, metric_keys: list[str]) -> pd.DataFrame:
        with self._cursor() as cur:
            return derive_input(cur, metric_keys).to_pandas()

    def latest_for_areas(
        self, area_codes: list[str], period_kinds: Mapping[str, str] | None = None, breakdown: str = DEFAULT_BREAKDOWN
    ) -> pd.DataFrame:
        """Reads.latest_for_areas (the one rule of "latest", with the latest compared row and the latest
        calculable trend beside each row) in PostgreSQL's SQL: DISTINCT ON for DuckDB's QUALIFY."""
        keys, kinds = _kinds_lists(period_kinds)
        computed = [c for c in COMPARE_LABELS if c != NOT_COMPARED]
        return self._query(
            f"""WITH kinds AS (SELECT unnest(?::text[]) AS metric_key, unnest(?::text[]) AS period_kind),
                of_kind AS (
                    SELECT v.* FROM indicator_values v LEFT JOIN kinds k ON k.metric_key = v.metric_key
                    WHERE v.area_code = ANY(?::text[]) AND v.breakdown = ?
                      AND (k.period_kind IS NULL OR v.period_kind = k.period_kind)),
                compared AS (
                    SELECT DISTINCT ON (metric_key, area_code)
                           metric_key, area_code, period AS compared_period, value AS compared_value,
                           lower95 AS compared_lower95, upper95 AS compared_upper95,
                           england_value AS compared_england_value,
                           compared_to_england::text AS compared_verdict
                    FROM of_kind WHERE compared_to_england::text = ANY(?::text[])
                    ORDER BY metric_key, area_code, period_sortable DESC),
                trended AS (
                    SELECT DISTINCT ON (metric_key, area_code)
                           metric_key, area_code, period AS trend_period, recent_trend::text AS trend_verdict
                    FROM of_kind WHERE recent_trend::text <> ?
                    ORDER BY metric_key, area_code, period_sortable DESC)
                SELECT DISTINCT ON (v.metric_key, v.area_code) {VALUE_COLUMNS}, c.compared_period,
                       c.compared_value, c.compared_lower95, c.compared_upper95, c.compared_england_value,
                       c.compared_verdict, t.trend_period, t.trend_verdict
                FROM of_kind v JOIN areas a USING (area_code)
                LEFT JOIN compared c ON c.metric_key = v.metric_key AND c.area_code = v.area_code
                LEFT JOIN trended t ON t.metric_key = v.metric_key AND t.area_code = v.area_code
                ORDER BY v.metric_key, v.area_code, v.period_sortable DESC""",
            [keys, kinds, list(area_codes), breakdown, computed, CANNOT_BE_CALCULATED],
        )

    def other_period_kinds(
        self, area_codes: list[str], period_kinds: Mapping[str, str], breakdown: str = DEFAULT_BREAKDOWN
    ) -> pd.DataFrame:
        keys, kinds = _kinds_lists(period_kinds)
        return self._query(
            """WITH kinds AS (SELECT unnest(?::text[]) AS metric_key, unnest(?::text[]) AS period_kind)
               SELECT v.metric_key, v.area_code, v.period_kind,
                      (array_agg(v.period ORDER BY v.period_sortable DESC))[1] AS latest_period,
                      max(v.period_sortable) AS latest_sortable, count(*) AS periods
               FROM indicator_values v JOIN kinds k ON k.metric_key = v.metric_key
               WHERE v.area_code = ANY(?::text[]) AND v.breakdown = ?
                 AND v.period_kind <> k.period_kind
               GROUP BY 1, 2, 3 ORDER BY 1, 2, 3, 4, 5, 6""",
            [keys, kinds, list(area_codes), breakdown],
        )

    def preview_counts(self, rows: pd.DataFrame) -> pd.DataFrame:
        return self._query_incoming(
            rows,
            f"""SELECT n.metric_key, n.area_code, a.area_name, {_STATUS} AS status, count(*) AS rows
                FROM {_INCOMING_JOINED} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 4""",
        )

    def preview_changes(self, rows: pd.DataFrame, limit: int = 2000) -> pd.DataFrame:
        return self._query_incoming(
            rows,
            f"""SELECT * FROM (SELECT n.*, a.area_name, {_OLD_VALUES}, {_STATUS} AS status
                               FROM {_INCOMING_JOINED}) AS compared
                WHERE status <> 'unchanged'
                ORDER BY CASE status WHEN 'changed' THEN 0 WHEN 'description changed' THEN 1 ELSE 2 END,
                         metric_key, area_code, period, breakdown LIMIT ?""",
            [limit],
        )

    def _query_incoming(self, rows: pd.DataFrame, sql: str, params: list | None = None) -> pd.DataFrame:
        """A query over the incoming rows, copied into a temporary table of a transaction of its own."""
        with self._cursor() as cur, cur.connection.transaction(force_rollback=True):
            columns = ", ".join(f"{c} {t}" for c, t in OBS_TYPES.items())
            cur.execute(f"CREATE TEMP TABLE _incoming ({columns}) ON COMMIT DROP")
            copy_frame(cur, "_incoming", rows[OBS_COLUMNS])
            cur.execute(to_pg(sql), params)
            return as_frame(arrow_table(cur.description, cur.fetchall()))
