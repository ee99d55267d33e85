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


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    # A larger WAL before automatic checkpoints, so that an upload's commit appends to the write-ahead log
    # (durable) instead of rewriting the file. DuckDB's memory is capped (it spills to disk beyond the cap) so
    # that one big upload cannot take the machine; CDOF_DUCKDB_MEMORY overrides.
    config: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": os.environ.get("CDOF_DUCKDB_MEMORY", "512MB")}
    if not read_only:
        config["checkpoint_threshold"] = "256MB"
    # The file is attached to an in-memory connection because the row group size is an ATTACH option only.
    connection = duckdb.connect(":memory:", config=config)
    options = "READ_ONLY" if read_only else f"ROW_GROUP_SIZE {ROW_GROUP_SIZE}"
    quoted_path = "'" + str(path).replace("'", "''") + "'"
    try:
        connection.execute(f"ATTACH {quoted_path} AS {CATALOG} ({options})")
    except duckdb.IOException as exc:
        connection.close()
        held = " Another process (the dashboard or an ingest) may hold it." if "lock" in str(exc).lower() else ""
        raise StoreError(f"cannot open {path}: {exc}.{held}") from None
    # With the in-memory database detached, the file is every new cursor's default database (a cursor would
    # otherwise start in the in-memory one and need a USE before each query).
    connection.execute(f"USE {CATALOG}")
    connection.execute("DETACH memory")
    return connection


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
