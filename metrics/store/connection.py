"""This process's connections to database files, shared by every Store on one file, and StoreError.

Threading (DuckDB 2.0): one connection per file per process; every query takes its own cursor and fetches
fully; writes are serialised by the file's lock.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb

# Row groups of 32,768 rows instead of DuckDB's 122,880: DuckDB writes an insert of at least one row group straight
# to the database file, compressed, before the commit, so an upload's commit logs where those blocks are instead of
# copying every row into the write-ahead log. A crash before the commit leaves those blocks unreferenced.
ROW_GROUP_SIZE = 32_768
CATALOG = "cdof"  # the attached file's name inside the connection


class StoreError(RuntimeError):
    pass


RESTORE_ADVICE = (
    "Restore the last good backup with `python -m metrics restore` (stop the dashboard first; see "
    "the README, 'Recovering from a damaged file')."
)


class StoreDamaged(StoreError):
    """The database file (or its write-ahead log) is damaged: it cannot be read as DuckDB wrote it."""

    def __init__(self, path: Path | str, detail: str):
        self.path, self.detail = Path(path), detail
        super().__init__(f"the database file {path} is damaged and cannot be read ({detail}). {RESTORE_ADVICE}")


class StoreFull(StoreError):
    """A write failed because the disk (or the process's file size limit) is full; nothing was written."""


# What DuckDB says about a file it cannot read as it wrote it: a block whose checksum fails, a file cut short, a
# header that is not DuckDB's, a write-ahead log that cannot be replayed.
_DAMAGE_WORDS = (
    "corrupt",
    "checksum",
    "not a valid duckdb database",
    "could not read enough bytes",
    "replaying wal",
    "wal file",
    "serialization",
    "invalidated",
    "failed to read",
    "database file format",
    "unexpected end",
)
_FULL_WORDS = ("no space left", "file too large", "disk is full", "could not write", "errno 28", "errno 27")


def is_damage(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.Error) and any(w in str(exc).lower() for w in _DAMAGE_WORDS)


def is_disk_full(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, (duckdb.Error, OSError)) and any(w in text for w in _FULL_WORDS)


def first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__


def verify_readable(connection: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Read every column of every table once, so that each block's checksum is verified: a damaged file is
    reported when it is opened, not by the first page or command that happens to read the damaged block."""
    try:
        tables = [
            r[0]
            for r in connection.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = ? ORDER BY 1", [CATALOG]
            ).fetchall()
        ]
        for table in tables:
            connection.execute(f'SELECT count(*), bit_xor(hash(COLUMNS(*))) FROM "{table}"').fetchall()
    except duckdb.Error as exc:
        raise StoreDamaged(path, first_line(exc)) from None


@dataclass
class OpenFile:
    """This process's connection to one database file, shared by every Store on it."""

    connection: duckdb.DuckDBPyConnection
    read_only: bool
    write_lock: threading.Lock  # two Store objects on the same file still write one at a time
    users: int = 0


# One DuckDB database per file in this process, as duckdb.connect(path) gives (the file can be attached only once
# per process); a read-only Store may share a file opened for writing, its own transaction() refuses writes.
_OPEN_FILES: dict[str, OpenFile] = {}
_OPEN_FILES_GUARD = threading.Lock()


def _attach(path: Path, read_only: bool, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    # A larger WAL before automatic checkpoints, so that an upload's commit appends to the write-ahead log
    # (durable) instead of rewriting the file. DuckDB's memory is capped (it spills to disk beyond the cap) so
    # that one big upload cannot take the machine; CDOF_DUCKDB_MEMORY overrides.
    if path.exists() and path.stat().st_size == 0:  # DuckDB would take an empty file for a new database
        raise StoreDamaged(path, "the file is empty (0 bytes)")
    config: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": memory_limit or os.environ.get("CDOF_DUCKDB_MEMORY", "512MB")
    }
    if not read_only:
        config["checkpoint_threshold"] = "256MB"
    # The file is attached to an in-memory connection because the row group size is an ATTACH option only.
    connection = duckdb.connect(":memory:", config=config)
    options = "READ_ONLY" if read_only else f"ROW_GROUP_SIZE {ROW_GROUP_SIZE}"
    quoted_path = "'" + str(path).replace("'", "''") + "'"
    try:
        connection.execute(f"ATTACH {quoted_path} AS {CATALOG} ({options})")
    except duckdb.Error as exc:
        connection.close()
        if "conflicting lock" in str(exc).lower() or "could not set lock" in str(exc).lower():
            raise StoreError(
                f"cannot open {path}: {exc}. Another process (the dashboard or an ingest) may hold it."
            ) from None
        if is_damage(exc) or (path.exists() and path.stat().st_size == 0):
            raise StoreDamaged(path, first_line(exc)) from None
        raise StoreError(f"cannot open {path}: {first_line(exc)}") from None
    # With the in-memory database detached, the file is every new cursor's default database (a cursor would
    # otherwise start in the in-memory one and need a USE before each query).
    connection.execute(f"USE {CATALOG}")
    connection.execute("DETACH memory")
    return connection


# The verifying connection's cap: its scans stream, so a small buffer pool only makes it drop blocks sooner.
PROBE_MEMORY = "64MB"


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    # Every block is read once to verify it (verify_readable) in a connection of its own, closed before the file
    # is opened for use: DuckDB keeps the blocks it reads in its buffer pool, so the whole file would otherwise
    # stay in the server's memory.
    if path.exists():
        probe = _attach(path, read_only, memory_limit=PROBE_MEMORY)
        try:
            verify_readable(probe, path)
        finally:
            probe.close()
    return _attach(path, read_only)


def open_file(path: Path, read_only: bool) -> OpenFile:
    key = str(path.resolve())
    with _OPEN_FILES_GUARD:
        opened = _OPEN_FILES.get(key)
        if opened is None:
            opened = _OPEN_FILES[key] = OpenFile(_connect(path, read_only), read_only, threading.Lock())
        elif opened.read_only and not read_only:
            raise StoreError(f"cannot open {path} for writing: this process has it open read-only")
        opened.users += 1
        return opened


def release_file(path: Path) -> None:
    key = str(path.resolve())
    with _OPEN_FILES_GUARD:
        opened = _OPEN_FILES[key]
        opened.users -= 1
        if opened.users == 0:
            del _OPEN_FILES[key]
            opened.connection.close()  # the last user: DuckDB checkpoints the file and detaches it
