"""The project's lock on a database file (issue 30): it survives every operation that touches the file in the
process that holds it, and a refused process is told what holds the file."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from metrics.build import build_database
from metrics.store import Store, StoreBusy, StoreError
from metrics.store.backup import backup_is_readable, list_backups, restore_backup
from tests.support.holder import second_writer_outcome, store_held_by_another_process


@pytest.fixture
def db(built_db, tmp_path) -> Path:
    path = tmp_path / "cdof.duckdb"
    shutil.copy(built_db, path)
    return path


def test_no_operation_in_the_holding_process_lets_a_second_writer_in(db, tmp_path):
    def refused(after: str, also_duckdb: bool = True) -> None:
        outcome = second_writer_outcome(db, also_duckdb)
        assert set(outcome.values()) == {"refused"}, f"after {after}: {outcome}"

    with Store(db) as store:
        refused("opening")
        assert store.backup("manual") is not None
        refused("a backup")
        with store.transaction(backup_reason="before-test") as cur:
            store.set_meta(cur, "probe", "1")
        refused("a write with its backup")
        with Store(db, read_only=True) as reader:  # a second Store (verify, reads) in the same process
            reader.revisions()
        refused("a second Store opened and closed")
        newest = list_backups(db)[0].path
        assert backup_is_readable(newest) is None
        refused("verifying a backup")
        with pytest.raises(StoreError, match="open in this process"):
            restore_backup(db, newest)
        refused("a refused restore")
        with pytest.raises(StoreError, match="open in this process"):
            build_database(db, log=lambda m: None)
        refused("a refused rebuild")
        # Hashing the file by its name opens and closes a descriptor of it, which drops DuckDB's own record lock
        # (POSIX); the project's lock still stands, so no process of the project can open it for writing.
        hashlib.sha256(db.read_bytes()).hexdigest()
        refused("hashing the file", also_duckdb=False)
        assert store.schema_version() > 0


def test_a_writer_is_told_which_process_reads_and_a_reader_which_writes(db):
    with store_held_by_another_process(db, "read") as pid:
        with Store(db, read_only=True) as reader:  # readers share the file
            assert reader.revisions() is not None
        waits: list[str] = []
        with pytest.raises(StoreBusy) as refused:
            Store(db, lock_wait=0.3, on_wait=waits.append)
        assert f"in use by process {pid} (python -c " in str(refused.value) and "reading" in str(refused.value)
        assert len(waits) == 1 and waits[0].startswith(f"waiting up to 0.3 s for {db}: in use by process {pid} (")
    with store_held_by_another_process(db, "write") as pid:
        with pytest.raises(StoreBusy, match=rf"in use by process {pid} \(.*\), writing since \d{{4}}-"):
            Store(db, read_only=True, lock_wait=0)
        with pytest.raises(StoreBusy, match=rf"process {pid} .*writing"):
            restore_backup(db, db, lock_wait=0)  # nothing is replaced while another process uses the file
    with Store(db) as store:  # both gone: the file is free
        assert store.schema_version() > 0
    assert db.with_name(db.name + ".lock").exists()  # kept: removing a lock file another process waits on races


_READ_PROBE = "import sys; from metrics.store import Store; print(Store(sys.argv[1], read_only=True).get_meta('probe'))"


def test_a_shared_store_reads_beside_readers_and_writes_once_they_are_gone(db):
    import threading

    with Store(db, shared=True, lock_wait=0.5, on_wait=lambda message: None) as dashboard:
        with store_held_by_another_process(db, "read") as pid:  # a command-line report, say
            assert dashboard.count_observations() > 0
            with (
                pytest.raises(StoreBusy, match=rf"in use by process {pid} .*reading"),
                dashboard.transaction(backup_reason="before-test") as cur,
            ):
                dashboard.set_meta(cur, "probe", "refused")
            assert dashboard.get_meta("probe") is None  # nothing written; it reads again after the failed swap
        # The dashboard's own queries keep running in other threads while it writes: they wait for the swap.
        failures: list[BaseException] = []
        stop = threading.Event()

        def read_until_stopped() -> None:
            while not stop.is_set():
                try:
                    dashboard.count_observations()
                except BaseException as exc:  # pragma: no cover - reported by the assertion below
                    failures.append(exc)
                    return

        readers = [threading.Thread(target=read_until_stopped) for _ in range(3)]
        for t in readers:
            t.start()
        for n in range(3):
            with dashboard.transaction(backup_reason="before-test") as cur:
                dashboard.set_meta(cur, "probe", str(n))
        stop.set()
        for t in readers:
            t.join()
        assert failures == []
        assert dashboard.get_meta("probe") == "2"
        assert second_writer_outcome(db) == {"project": "refused", "duckdb": "refused"}
        read = subprocess.run(  # another process reads what the dashboard wrote, while it still holds the file
            [sys.executable, "-c", _READ_PROBE, str(db)],
            cwd=Path(__file__).resolve().parents[3],
            capture_output=True,
            text=True,
        )
        assert read.stdout.strip() == "2", read.stderr
