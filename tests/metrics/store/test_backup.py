"""Backups: one kept before every upload and rollback (the oldest pruned), `backup` and `restore` commands, and a
damaged file restored to exactly what it held."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from metrics.cli import main
from metrics.ingest.pipeline import commit, prepare, rollback
from metrics.store import Store, StoreError
from metrics.store.backup import list_backups, restore_backup
from tests.metrics.store.test_damaged import GOOD_UPLOAD
from tests.support.damage import DAMAGE_KINDS, damaged_copy
from tests.support.holder import file_held_by_another_process


def export_text(db: Path, capsys) -> str:
    assert main(["export", "--db", str(db)]) == 0
    return capsys.readouterr().out


@pytest.fixture
def db(built_db, tmp_path) -> Path:
    path = tmp_path / "cdof.duckdb"
    shutil.copy(built_db, path)
    return path


def test_every_upload_and_rollback_keeps_the_file_before_it_and_prunes_the_oldest(db, tmp_path):
    upload = tmp_path / "good.csv"
    upload.write_text(GOOD_UPLOAD)
    with Store(db, backups_kept=2) as store:
        rid, _ = commit(store, prepare(upload), author="test")
        assert [b.reason for b in list_backups(db)] == ["before-upload"]
        rollback(store, rid, author="test")
        commit(store, prepare(upload), author="test")
    backups = list_backups(db)
    assert [b.reason for b in backups] == ["before-upload", "before-rollback"]  # newest first; the first pruned
    # The backup before the rollback holds the upload, not the rollback.
    with Store(backups[1].path, read_only=True) as kept:
        assert kept.revisions()["action"].tolist()[:2] == ["upload", "build"]


@pytest.mark.parametrize("kind", DAMAGE_KINDS)
def test_damage_then_restore_gives_back_the_export_exactly(db, kind, tmp_path, capsys):
    assert main(["backup", "--db", str(db)]) == 0
    assert "backed up" in capsys.readouterr().out
    before = export_text(db, capsys)
    broken = damaged_copy(db, tmp_path / "broken.duckdb", kind)
    shutil.move(broken, db)
    if Path(str(broken) + ".wal").exists():
        shutil.move(str(broken) + ".wal", str(db) + ".wal")
    assert main(["export", "--db", str(db)]) == 1
    capsys.readouterr()
    assert main(["restore", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "restored" in out
    assert export_text(db, capsys) == before
    assert list(db.parent.glob("cdof.duckdb.damaged-*"))  # the damaged file is kept for investigation


def test_restore_skips_a_damaged_backup_and_takes_the_newest_good_one(db, tmp_path, capsys):
    upload = tmp_path / "good.csv"
    upload.write_text(GOOD_UPLOAD)
    before_upload = export_text(db, capsys)
    with Store(db) as store:
        commit(store, prepare(upload), author="test")  # backup 1: before this upload
        store.backup("manual")  # backup 2: after it
    newest = list_backups(db)[0].path
    damaged_copy(newest, tmp_path / "x.duckdb", "corrupt_block")
    shutil.move(tmp_path / "x.duckdb", newest)
    skipped = []
    restored = restore_backup(db, log=skipped.append)
    assert restored != newest and skipped and "damaged" in skipped[0]
    assert export_text(db, capsys) == before_upload


def test_restore_refuses_while_another_process_holds_the_file(db):
    with Store(db) as store:
        store.backup("manual")
    with file_held_by_another_process(db), pytest.raises(StoreError, match="open in another process"):
        restore_backup(db)


def test_restore_without_backups_says_so(db, capsys):
    assert main(["restore", "--db", str(db)]) == 1
    assert "no backups" in capsys.readouterr().err
