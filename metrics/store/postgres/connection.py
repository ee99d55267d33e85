"""This process's connection pools to PostgreSQL servers (psycopg_pool), one per database URL and schema, shared by
every PgStore on it; results turned into the frames the DuckDB store gives; PostgreSQL errors in words.

Threading: a query borrows a connection from the pool for its duration (autocommit: one statement, one snapshot);
a write holds one connection for its whole transaction.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import duckdb
import pandas as pd
import pyarrow as pa

from metrics.store.connection import StoreError

SCHEMES = ("postgresql://", "postgres://")
DEFAULT_SCHEMA = "cdof"  # the tables live in a schema of their own, so a rebuild can swap a whole new one in
POOL_MAX = 8  # connections per server process and database: Streamlit serves a page's queries from a few threads


def is_database_url(location: object) -> bool:
    return isinstance(location, str) and location.startswith(SCHEMES)


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class StoreBusy(StoreError):
    """Another upload or rollback is being written to the shared database; nothing was written, try again."""


@dataclass
class OpenPool:
    pool: object  # psycopg_pool.ConnectionPool
    users: int = 0


_POOLS: dict[tuple[str, str], OpenPool] = {}
_POOLS_GUARD = threading.Lock()


def open_pool(url: str, schema: str) -> OpenPool:
    import psycopg
    from psycopg_pool import ConnectionPool

    key = (url, schema)
    with _POOLS_GUARD:
        opened = _POOLS.get(key)
        if opened is None:
            try:  # once, to report an unreachable server at once (a pool would retry until its timeout)
                psycopg.connect(url, connect_timeout=10).close()
            except psycopg.Error as exc:
                raise StoreError(f"cannot connect to the database {redacted(url)}: {first_line(exc)}") from None
            pool = ConnectionPool(
                url,
                min_size=1,
                max_size=POOL_MAX,
                # Every connection reads and writes the store's schema; autocommit, so that a read is one statement
                # in its own snapshot and a write opens its transaction explicitly.
                kwargs={"autocommit": True, "options": f"-c search_path={schema}", "application_name": "cdof"},
                open=False,
                name=f"cdof-{schema}",
            )
            try:
                pool.open(wait=True, timeout=15)
            except Exception as exc:
                pool.close()
                raise StoreError(f"cannot connect to the database {redacted(url)}: {first_line(exc)}") from None
            opened = _POOLS[key] = OpenPool(pool)
        opened.users += 1
        return opened


def release_pool(url: str, schema: str) -> None:
    key = (url, schema)
    with _POOLS_GUARD:
        opened = _POOLS.get(key)
        if opened is None:
            return
        opened.users -= 1
        if opened.users == 0:
            del _POOLS[key]
            opened.pool.close()  # type: ignore[attr-defined]


def first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__


# ---------------------------------------------------------------------------------------------- results as frames
# PostgreSQL's type OIDs and the Arrow types the DuckDB store's columns come back as.
_ARROW_TYPES = {
    16: pa.bool_(),
    20: pa.int64(),
    21: pa.int16(),
    23: pa.int32(),
    700: pa.float32(),
    701: pa.float64(),
    1700: pa.float64(),  # numeric (an avg): a double, as DuckDB's avg gives
    1082: pa.date32(),
    1114: pa.timestamp("us"),
    1184: pa.timestamp("us", tz="UTC"),
}

# Frames are converted by DuckDB from Arrow, so that a frame read from PostgreSQL has exactly the dtypes the DuckDB
# store's .df() gives (text, missing values, integers with gaps), and pages and exports cannot tell them apart.
_CONVERTER = duckdb.connect(":memory:")
_CONVERTER_GUARD = threading.Lock()


def arrow_table(description, rows: list[tuple]) -> pa.Table:
    names = [d.name for d in description]
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    arrays = []
    for d, column in zip(description, columns, strict=True):
        kind = _ARROW_TYPES.get(d.type_code, pa.string())
        values: list = list(column)
        if d.type_code == 1700:
            values = [None if v is None else float(v) for v in values]
        elif kind == pa.string():
            values = [None if v is None else str(v) for v in values]
        arrays.append(pa.array(values, type=kind))
    return pa.table(arrays, names=names)


def as_duckdb_arrow(table: pa.Table) -> pa.Table:
    """The table with the Arrow types DuckDB's own query would give (what the derive input is read as)."""
    with _CONVERTER_GUARD:
        cur = _CONVERTER.cursor()
    try:
        return cur.from_arrow(table).to_arrow_table()
    finally:
        cur.close()


def as_frame(table: pa.Table) -> pd.DataFrame:
    with _CONVERTER_GUARD:
        cur = _CONVERTER.cursor()
    try:
        return cur.from_arrow(table).df()
    finally:
        cur.close()


def to_pg(sql: str) -> str:
    """A query written with DuckDB's ? placeholders, with psycopg's (a literal % doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


def _copy_text(value) -> str | None:
    """A frame's cell as COPY text: None for missing, a whole float as an integer, a date in ISO form."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


class DuckCursor:
    """A psycopg cursor with the DuckDB calls the store's shared SQL makes (metrics.store.writes' new_revision,
    metrics.store.narrative): execute with ? placeholders, fetchall/fetchone/df, and register/unregister of a
    frame, which becomes a temporary table of text columns (the shared SQL casts each column to its type)."""

    def __init__(self, cur):
        self._cur = cur

    def execute(self, sql: str, params=None) -> DuckCursor:
        self._cur.execute(to_pg(sql), params)
        return self

    def fetchall(self) -> list:
        return self._cur.fetchall()

    def fetchone(self):
        return self._cur.fetchone()

    def df(self) -> pd.DataFrame:
        return as_frame(arrow_table(self._cur.description, self._cur.fetchall()))

    def register(self, name: str, frame: pd.DataFrame) -> None:
        columns = ", ".join(f'"{c}" text' for c in frame.columns)
        self._cur.execute(f"CREATE TEMP TABLE {name} ({columns})")
        quoted = ", ".join(f'"{c}"' for c in frame.columns)
        # write_row, not CSV: typed text is stored exactly, whatever quotes, line ends or backslashes it holds.
        with self._cur.copy(f"COPY {name} ({quoted}) FROM STDIN") as copy:
            for row in frame.itertuples(index=False, name=None):
                copy.write_row([_copy_text(v) for v in row])

    def unregister(self, name: str) -> None:
        import psycopg

        # In a failed transaction the rollback drops the table; the first error is the one to report.
        with contextlib.suppress(psycopg.errors.InFailedSqlTransaction):
            self._cur.execute(f"DROP TABLE IF EXISTS {name}")
