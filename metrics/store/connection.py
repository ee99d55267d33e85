"""This process's connections to database files, shared by every Store on one file, the project's lock on each
file, and StoreError.

Threading (DuckDB 2.0): one connection per file per process; every query takes its own cursor and fetches
fully; writes are serialised by the file's lock.

The lock (README, "What protects the database file"): DuckDB guards a file with a POSIX record lock, which the
kernel drops as soon as the process closes ANY descriptor of that file (a copy, a hash, a second connection), and
a second process could then open the file for writing beside the first. So every process that uses a file first
takes a lock of the project's own on a sidecar file, `<db>.lock`, with flock: exclusive for writing, shared for
reading, held until the process's last Store on the file closes. A flock belongs to its open file description,
which only this module holds, so nothing else the process opens or closes can release it.

A shared file (the dashboard's) is held read-only under the shared lock, beside other processes' readers, and
opened read-write only for each write (OpenFile.writing), its own queries paused meanwhile (ReadGate).
"""

from __future__ import annotations

import fcntl
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
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


class StoreBusy(StoreError):
    """Another process holds the file (writing, or reading while this one wants to write) beyond the wait."""


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


# ------------------------------------------------------------------ the project's lock on a database file
LOCK_SUFFIX = ".lock"
DEFAULT_LOCK_WAIT = 30.0  # seconds; config/settings.yaml store.lock_wait_seconds
_POLL_SECONDS = 0.1


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + LOCK_SUFFIX)


def default_lock_wait() -> float:
    from metrics.settings import default_settings

    return float(default_settings().store.lock_wait_seconds)


def say_on_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _command_of(pid: int) -> str:
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
    except OSError:
        return "command unknown"
    text = " ".join([Path(words[0].decode(errors="replace")).name] + [w.decode(errors="replace") for w in words[1:]])
    text = " ".join(text.split())  # a `python -c` script's lines on one line
    return text if len(text) <= 160 else text[:157] + "..."


def _holders_in_proc_locks(lock_file: Path) -> list[tuple[int, str]] | None:
    """(pid, 'writing' | 'reading') of every process holding the sidecar's flock, from the kernel's table; None
    where the table cannot be read."""
    try:
        st = lock_file.stat()
        table = Path("/proc/locks").read_text()
    except OSError:
        return None
    inode = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    found = []
    for line in table.splitlines():
        words = line.split()
        if "->" in words or len(words) < 6 or words[1] != "FLOCK" or words[5] != inode:
            continue  # "->" marks a process waiting for the lock, not holding it
        found.append((int(words[4]), "writing" if words[3] == "WRITE" else "reading"))
    return found


def describe_holders(database: Path) -> str:
    """What holds the database file, in words: each process with its pid, command and whether it writes, and
    since when the writer has held it (from the record the writer keeps in the sidecar)."""
    lock_file = lock_path(database)
    try:
        record = lock_file.read_text().split("\t", 2)
    except OSError:
        record = []
    since = {int(record[0]): record[1]} if len(record) == 3 and record[0].isdigit() else {}
    holders = _holders_in_proc_locks(lock_file)
    if holders is None:  # no /proc: the writer's record is all there is
        if not since:
            return "another process"
        holders = [(next(iter(since)), "writing")]
    holders = [(pid, mode) for pid, mode in holders if pid != os.getpid()] or holders
    if not holders:
        return "another process (it has just let go)"
    parts = []
    for pid, mode in sorted(set(holders)):
        when = f" since {since[pid]}" if pid in since and mode == "writing" else ""
        parts.append(f"process {pid} ({_command_of(pid)}), {mode}{when}")
    return "; ".join(parts)


@dataclass
class FileLock:
    """This process's hold on a database's sidecar lock: exclusive (writing) or shared (reading)."""

    database: Path
    descriptor: int | None  # None: a read-only file whose folder allows no sidecar (DuckDB's own lock only)
    exclusive: bool

    def release(self) -> None:
        if self.descriptor is not None:
            descriptor, self.descriptor = self.descriptor, None
            os.close(descriptor)  # the open file description's only descriptor: the flock goes with it

    def convert(
        self, exclusive: bool, wait_seconds: float | None = None, on_wait: Callable[[str], None] | None = None
    ) -> None:
        """Turn a shared hold exclusive or back, on the same descriptor. The kernel drops the old hold before it
        takes the new one, so a failed conversion (StoreBusy) leaves nothing held; `held` then says so."""
        assert self.descriptor is not None
        self.exclusive = exclusive
        try:
            _flock_bounded(self.descriptor, self.database, exclusive, wait_seconds, on_wait)
        except StoreBusy:
            self.release()
            raise

    @property
    def held(self) -> bool:
        return self.descriptor is not None


def _flock_bounded(
    descriptor: int,
    database: Path,
    exclusive: bool,
    wait_seconds: float | None,
    on_wait: Callable[[str], None] | None,
) -> None:
    wait_seconds = default_lock_wait() if wait_seconds is None else wait_seconds
    on_wait = on_wait or say_on_stderr
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    deadline = time.monotonic() + wait_seconds
    told = False
    while True:
        try:
            fcntl.flock(descriptor, mode | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise StoreBusy(
                    f"{database} is in use by {describe_holders(database)}; "
                    + (f"waited {wait_seconds:g} s. " if wait_seconds > 0 else "")
                    + (
                        "Try again when it has finished (a dashboard holds the file read-only while it runs: stop "
                        "it to write from the command line, or upload through its Upload page)."
                        if exclusive
                        else "Try again when the write has finished."
                    )
                ) from None
            if not told:
                told = True
                on_wait(f"waiting up to {wait_seconds:g} s for {database}: in use by {describe_holders(database)} ...")
            time.sleep(_POLL_SECONDS)
    if exclusive:
        record = f"{os.getpid()}\t{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC\t{_command_of(os.getpid())}\n"
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, record.encode(), 0)


def acquire_lock(
    database: Path, exclusive: bool, wait_seconds: float | None = None, on_wait: Callable[[str], None] | None = None
) -> FileLock:
    """Take the database's sidecar lock, waiting up to `wait_seconds` (default store.lock_wait_seconds) for the
    processes that hold it, saying so once through `on_wait` (default: stderr); StoreBusy after that, naming
    them. An exclusive holder records its pid, the time and its command in the sidecar for others' messages."""
    lock_file = lock_path(database)
    try:
        descriptor = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o664)
    except OSError as exc:
        if exclusive:
            raise StoreError(f"cannot create the lock file {lock_file}: {exc.strerror or exc}") from None
        try:  # a reader in a folder it may not write to: share an existing sidecar, else DuckDB's lock only
            descriptor = os.open(lock_file, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return FileLock(database, None, exclusive)
    try:
        _flock_bounded(descriptor, database, exclusive, wait_seconds, on_wait)
    except BaseException:
        os.close(descriptor)
        raise
    return FileLock(database, descriptor, exclusive)


class ReadGate:
    """Lets this process's queries run together, and a shared file's swap to a writing connection run alone:
    the swap waits for the queries under way, and queries wait for the swap. The writing thread's own queries
    pass (they run on the writing connection)."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._readers = 0
        self._writer: int | None = None

    @contextmanager
    def reading(self) -> Iterator[None]:
        me = threading.get_ident()
        with self._condition:
            if self._writer == me:
                counted = False
            else:
                while self._writer is not None:
                    self._condition.wait()
                self._readers += 1
                counted = True
        try:
            yield
        finally:
            if counted:
                with self._condition:
                    self._readers -= 1
                    self._condition.notify_all()

    @contextmanager
    def alone(self) -> Iterator[None]:
        with self._condition:
            while self._writer is not None or self._readers:
                self._condition.wait()
            self._writer = threading.get_ident()
        try:
            yield
        finally:
            with self._condition:
                self._writer = None
                self._condition.notify_all()


@dataclass
class OpenFile:
    """This process's connection to one database file, shared by every Store on it."""

    connection: duckdb.DuckDBPyConnection | None  # None: a shared file between a failed swap and the next read
    read_only: bool
    write_lock: threading.Lock  # two Store objects on the same file still write one at a time
    lock: FileLock  # the project's lock, held until the connection is closed
    # A descriptor of the live file, open while the connection writes, through which backups read it: a copy
    # that opened and closed a descriptor of its own would drop DuckDB's lock (see the module's docstring).
    live: int | None = None
    users: int = 0
    # Shared: held read-only beside other processes' readers, and read-write only during each write (writing()).
    shared: bool = False
    gate: ReadGate = field(default_factory=ReadGate)
    path: Path = Path()

    def current(self, lock_wait: float | None = None) -> duckdb.DuckDBPyConnection:
        """The connection, reopened read-only first if a failed swap left none (StoreBusy while a writer holds
        the file beyond the wait). Call inside gate.reading()."""
        if self.connection is None:
            with _OPEN_FILES_GUARD:
                if self.connection is None:
                    if not self.lock.held:
                        self.lock = acquire_lock(self.path, exclusive=False, wait_seconds=lock_wait)
                    self.connection = _attach(self.path, read_only=True)
        return self.connection

    @contextmanager
    def writing(
        self, lock_wait: float | None = None, on_wait: Callable[[str], None] | None = None
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A shared file opened read-write for the block: this process's queries paused, its read-only
        connection closed, the lock made exclusive (waiting up to lock_wait for other processes' readers); then
        back to shared and read-only, so that the next query sees what was written."""
        if not self.shared:
            assert self.connection is not None
            yield self.connection
            return
        with self.gate.alone():
            if self.connection is not None:
                self.connection.close()
                self.connection = None
            if self.lock.held:
                self.lock.convert(exclusive=True, wait_seconds=lock_wait, on_wait=on_wait)
            else:
                self.lock = acquire_lock(self.path, exclusive=True, wait_seconds=lock_wait, on_wait=on_wait)
            try:
                self.connection = _attach(self.path, read_only=False)
                self.live = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
                yield self.connection
            finally:
                if self.connection is not None:
                    self.connection.close()  # DuckDB checkpoints the write into the file
                    self.connection = None
                if self.live is not None:
                    os.close(self.live)
                    self.live = None
                try:
                    self.lock.convert(exclusive=False, wait_seconds=lock_wait, on_wait=on_wait)
                    self.connection = _attach(self.path, read_only=True)
                except StoreError:
                    pass  # another process writes now: the next query reopens (current()) once it is done


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


def open_file(
    path: Path,
    read_only: bool,
    lock_wait: float | None = None,
    on_wait: Callable[[str], None] | None = None,
    shared: bool = False,
) -> OpenFile:
    """This process's connection to `path`, opened on first use: read-only (shared with other readers), for
    writing (the file held exclusively), or `shared` (held read-only, read-write only during OpenFile.writing).
    A later user shares the first one's connection; a writer cannot share a read-only one."""
    key = str(path.resolve())
    with _OPEN_FILES_GUARD:
        opened = _OPEN_FILES.get(key)
        if opened is None:
            if shared and not path.exists():  # a new file is created by a writer, then shared
                with exclusive_use(path, lock_wait, on_wait):
                    _attach(path, read_only=False).close()
            hold_read_only = read_only or shared
            # The lock first: the probe's connection below is opened and closed, which drops DuckDB's record lock
            # but not this one.
            lock = acquire_lock(path, exclusive=not hold_read_only, wait_seconds=lock_wait, on_wait=on_wait)
            try:
                connection = _connect(path, hold_read_only)
            except BaseException:
                lock.release()
                raise
            live = None if hold_read_only else os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            opened = OpenFile(connection, read_only, threading.Lock(), lock, live, shared=shared, path=path)
            _OPEN_FILES[key] = opened
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
            if opened.connection is not None:
                opened.connection.close()  # the last user: DuckDB checkpoints the file and detaches it
            if opened.live is not None:
                os.close(opened.live)  # after DuckDB let go: its lock no longer matters
            opened.lock.release()


@contextmanager
def exclusive_use(
    path: Path, lock_wait: float | None = None, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the file's lock exclusively without opening it (to replace the file: a build, a restore); StoreBusy
    while another process uses it, StoreError when this process has it open."""
    if str(path.resolve()) in _OPEN_FILES:  # (its own flock would refuse it, after the wait)
        raise StoreError(f"{path} is open in this process; close it first")
    lock = acquire_lock(path, exclusive=True, wait_seconds=lock_wait, on_wait=on_wait)
    try:
        yield
    finally:
        lock.release()
