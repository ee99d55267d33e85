"""A full disk during a commit (or during the backup before it): a message saying so, exit 1, no traceback, and
the database file byte-identical. The disk is filled two ways: a file size limit on the process (RLIMIT_FSIZE:
every write past 4 KiB fails, as on a full disk; runs anywhere), and a real 12 MB tmpfs when this process may
mount one (root)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.metrics.store.test_damaged import GOOD_UPLOAD, file_hashes

REPOSITORY = Path(__file__).resolve().parents[3]
# `python -m metrics` with every file write beyond 4 KiB failing with EFBIG ("File too large"), as on a full disk.
_LIMITED = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
from metrics.cli import main
sys.exit(main(sys.argv[1:]))
"""


def ingest(db: Path, upload: Path, settings: Path, limited: bool) -> subprocess.CompletedProcess:
    argv = ["-c", _LIMITED] if limited else ["-m", "metrics"]
    env = dict(os.environ, CDOF_SETTINGS=str(settings))
    return subprocess.run(
        [sys.executable, *argv, "ingest", str(upload), "--db", str(db)],
        capture_output=True,
        text=True,
        cwd=REPOSITORY,
        env=env,
        timeout=300,
    )


@pytest.fixture
def upload(tmp_path) -> Path:
    path = tmp_path / "good.csv"
    path.write_text(GOOD_UPLOAD)
    return path


def settings_file(tmp_path: Path, backups_kept: int) -> Path:
    path = tmp_path / "settings.yaml"
    path.write_text(f"store:\n  backups_kept: {backups_kept}\n")
    return path


def assert_refused_cleanly(result: subprocess.CompletedProcess, db: Path, before: dict, words: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert words in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert "Committed" not in result.stdout
    after = file_hashes(db)
    assert after[db.name] == before[db.name]
    wal = Path(str(db) + ".wal")
    assert not wal.exists() or wal.stat().st_size == 0  # a WAL left empty replays nothing


@pytest.mark.parametrize("backups_kept, words", [(0, "is full"), (3, "no room to back up")])
def test_a_full_disk_during_the_commit_or_its_backup_leaves_the_file_unchanged(
    built_db, tmp_path, upload, backups_kept, words
):
    db = tmp_path / "cdof.duckdb"
    shutil.copy(built_db, db)
    before = file_hashes(db)
    result = ingest(db, upload, settings_file(tmp_path, backups_kept), limited=True)
    assert_refused_cleanly(result, db, before, words)
    assert "nothing was written" in result.stderr or "was not written" in result.stderr
    history = subprocess.run(
        [sys.executable, "-m", "metrics", "history", "--db", str(db)],
        capture_output=True,
        text=True,
        cwd=REPOSITORY,
        timeout=300,
    )
    assert history.returncode == 0 and "good.csv" not in history.stdout  # still opens; the upload is absent


def test_a_full_tmpfs_during_the_commit_leaves_the_file_unchanged(built_db, tmp_path, upload):
    mount = tmp_path / "small-disk"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(mount)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root); the RLIMIT_FSIZE test covers a full disk")
    try:
        db = mount / "cdof.duckdb"
        shutil.copy(built_db, db)
        free = shutil.disk_usage(mount).free
        (mount / "filler").write_bytes(b"\0" * (free - 8192))  # leave 8 KiB: too little for the commit's WAL
        before = file_hashes(db)
        result = ingest(db, upload, settings_file(tmp_path, 0), limited=False)
        assert_refused_cleanly(result, db, before, "No space left on device")
    finally:
        subprocess.run(["umount", str(mount)], check=False)
