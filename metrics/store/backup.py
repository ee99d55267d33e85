"""Copies of the database file kept before each write, and putting one back.

Store.write copies the file (and its write-ahead log, if any) before every upload or rollback, while it holds the
file's write lock: nothing writes to either file then (a commit, and any checkpoint it triggers, happens under that
lock, and the project's lock lets no other process open the file for writing), so the pair is a consistent database.
The file is read through the descriptor its connection keeps open (OpenFile.live), never one opened and closed for
the copy: closing any descriptor of the file would drop DuckDB's own lock on it (metrics/store/connection.py). The
write-ahead log carries no lock, so it is copied by name. The copy
is named by its time and the revision it precedes; the oldest beyond `backups_kept` are deleted.

restore_backup replaces a (damaged) file with a backup that opens and reads cleanly; the file it replaces is kept
beside it as <name>.damaged-<time> for whoever investigates.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from metrics.store.connection import StoreDamaged, StoreError, StoreFull, exclusive_use, is_disk_full

SUFFIX = ".duckdb"
WAL = ".wal"


@dataclass(frozen=True)
class Backup:
    path: Path
    taken: datetime
    reason: str

    @property
    def size_bytes(self) -> int:
        wal = Path(str(self.path) + WAL)
        return self.path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def default_backup_dir(database: Path) -> Path:
    from metrics.settings import default_settings

    configured = default_settings().store.backup_dir
    return Path(configured) if configured else database.with_name(database.name + ".backups")


def default_backups_kept() -> int:
    from metrics.settings import default_settings

    return default_settings().store.backups_kept


def list_backups(database: Path, directory: Path | None = None) -> list[Backup]:
    """The database's backups, newest first."""
    directory = directory or default_backup_dir(database)
    found = []
    for p in directory.glob(f"{database.stem}.*{SUFFIX}") if directory.exists() else []:
        parts = p.name[len(database.stem) + 1 : -len(SUFFIX)].split(".", 1)  # <time>.<reason>
        try:
            taken = datetime.strptime(parts[0], "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)
        except ValueError:
            continue
        found.append(Backup(p, taken, parts[1] if len(parts) > 1 else ""))
    return sorted(found, key=lambda b: b.taken, reverse=True)


def copy_database(database: Path, reason: str, keep: int, directory: Path | None = None, *, live: int) -> Backup | None:
    """Copy the file (read through `live`, an open descriptor of it) and its WAL as a new backup, then delete the
    oldest beyond `keep` (0: no backups). The caller holds the write lock. A failed copy (a full disk) is removed
    and raised as StoreFull: the database itself is untouched."""
    if keep <= 0 or not database.exists():
        return None
    directory = directory or default_backup_dir(database)
    directory.mkdir(parents=True, exist_ok=True)
    taken = datetime.now(UTC)
    safe_reason = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in reason)[:40]
    target = directory / f"{database.stem}.{taken:%Y%m%dT%H%M%S%f}.{safe_reason}{SUFFIX}"
    wal = Path(str(database) + WAL)
    try:
        _copy_descriptor(live, target)
        if wal.exists():
            _copy(wal, Path(str(target) + WAL))
    except OSError as exc:
        for leftover in (target, Path(str(target) + WAL)):
            leftover.unlink(missing_ok=True)
        if is_disk_full(exc):
            raise StoreFull(
                f"no room to back up {database} to {directory} ({exc.strerror or exc}); nothing was "
                "written. Free some disk space and try again"
            ) from None
        raise StoreError(f"cannot back up {database} to {directory}: {exc}; nothing was written") from None
    for old in list_backups(database, directory)[keep:]:
        old.path.unlink(missing_ok=True)
        Path(str(old.path) + WAL).unlink(missing_ok=True)
    return Backup(target, taken, safe_reason)


def _copy(source: Path, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    shutil.copyfile(source, partial)
    with open(partial, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(partial, target)


def _copy_descriptor(source: int, target: Path) -> None:
    """Copy the whole file behind `source` to `target` without moving the descriptor's offset or closing it."""
    partial = target.with_name(target.name + ".partial")
    size = os.fstat(source).st_size
    with open(partial, "wb") as out:
        done = 0
        while done < size:
            try:
                copied = os.copy_file_range(source, out.fileno(), size - done, done)
            except OSError:  # a file system or kernel without it: read and write
                copied = out.write(os.pread(source, min(size - done, 16 << 20), done))
            if copied == 0:
                break  # the file is shorter than it was a moment ago: nothing writes it now, so never
            done += copied
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, target)


def backup_is_readable(backup: Path) -> str | None:
    """None when the backup opens and every table reads; else what is wrong with it. The backup is opened
    read-only from a scratch copy so that checking it never changes it (DuckDB would replay its WAL into it)."""
    import tempfile

    from metrics.store.connection import _connect

    with tempfile.TemporaryDirectory(prefix="cdof-check-") as scratch:
        copy = Path(scratch) / "check.duckdb"
        shutil.copyfile(backup, copy)
        if Path(str(backup) + WAL).exists():
            shutil.copyfile(str(backup) + WAL, str(copy) + WAL)
        try:
            _connect(copy, read_only=True).close()
        except StoreError as exc:
            return exc.detail if isinstance(exc, StoreDamaged) else str(exc)
    return None


def restore_backup(
    database: Path,
    backup: Path | None = None,
    directory: Path | None = None,
    log=lambda message: None,
    lock_wait: float | None = None,
) -> Path:
    """Put a backup in place of the database file: `backup`, or the newest one that reads cleanly. Refuses while
    another process has the file open (after waiting up to `lock_wait`, default store.lock_wait_seconds).
    Returns the backup restored."""
    if backup is None:
        candidates = [b.path for b in list_backups(database, directory)]
        if not candidates:
            raise StoreError(f"there are no backups of {database} in {directory or default_backup_dir(database)}")
    else:
        if not backup.exists():
            raise StoreError(f"the backup {backup} does not exist")
        candidates = [backup]
    chosen = None
    for candidate in candidates:
        problem = backup_is_readable(candidate)
        if problem is None:
            chosen = candidate
            break
        log(f"skipped {candidate}: it is damaged too ({problem})")
    if chosen is None:
        raise StoreError(
            f"no readable backup of {database}; rebuild it with `python -m metrics build-default "
            "--force` and upload the files again"
        )
    with exclusive_use(database, lock_wait, log), _not_open_elsewhere(database):
        stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%S}"
        wal = Path(str(database) + WAL)
        if database.exists():  # kept for whoever investigates the damage
            os.replace(database, database.with_name(f"{database.name}.damaged-{stamp}"))
        if wal.exists():
            os.replace(wal, database.with_name(f"{database.name}.damaged-{stamp}{WAL}"))
        _copy(chosen, database)
        if Path(str(chosen) + WAL).exists():
            _copy(Path(str(chosen) + WAL), wal)
    return chosen


class _not_open_elsewhere:
    """Also refuses while a process outside the project's lock (a DuckDB shell, say) has the file open: takes the
    record lock DuckDB takes, through a descriptor held until the file has been replaced."""

    def __init__(self, database: Path):
        self.database = database
        self._fh = None

    def __enter__(self):
        if self.database.exists():
            self._fh = open(self.database, "rb+")
            try:
                fcntl.lockf(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                self._fh.close()
                raise StoreError(
                    f"{self.database} is open in another process (the dashboard or an ingest); stop it, then restore"
                ) from None
        return self

    def __exit__(self, *exc):
        if self._fh is not None:
            self._fh.close()
