"""A damaged database file (each kind in tests/support/damage.py) is reported by `export`, `history`, `ingest`
(and its dry run) and the pages as damaged, with its path and what to do, never a traceback, and never as fine;
the attempt leaves the file as it was."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from metrics.cli import main
from metrics.store import Store, StoreDamaged
from tests.support.damage import DAMAGE_KINDS, damaged_copy

GOOD_UPLOAD = (
    "metric_key,area_code,period,breakdown,value,lower95,upper95,lower998,upper998,count,denominator,"
    "value_note,source\nunmet_need_ocu,E10000034,2019/20,Total,53.2,38.8,63.0,,,1403,2635,,Test\n"
)


def file_hashes(db: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (db, Path(str(db) + ".wal")) if p.exists()}


def assert_says_damaged(text: str, db: Path) -> None:
    assert "damaged" in text, text
    assert str(db) in text, text
    assert "python -m metrics restore" in text, text
    assert "Traceback" not in text


@pytest.fixture(params=DAMAGE_KINDS)
def damaged_db(request, built_db, tmp_path) -> Path:
    return damaged_copy(built_db, tmp_path / f"{request.param}.duckdb", request.param)


@pytest.mark.parametrize("command", [["export"], ["history"], ["ingest", "UPLOAD"], ["ingest", "UPLOAD", "--dry-run"]])
def test_each_command_says_the_file_is_damaged_where_and_what_to_do(damaged_db, command, tmp_path, capsys):
    upload = tmp_path / "good.csv"
    upload.write_text(GOOD_UPLOAD)
    before = file_hashes(damaged_db)
    argv = [str(upload) if a == "UPLOAD" else a for a in command] + ["--db", str(damaged_db)]
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 1, (out, err)
    assert_says_damaged(err, damaged_db)
    assert "Committed" not in out and "Dry run: nothing was written" not in out  # never reported as fine
    assert file_hashes(damaged_db) == before


def test_opening_a_damaged_file_raises_store_damaged_naming_it(damaged_db):
    for read_only in (True, False):
        with pytest.raises(StoreDamaged) as caught:
            Store(damaged_db, read_only=read_only)
        assert caught.value.path == damaged_db and caught.value.detail


def test_a_page_explains_a_damaged_file_instead_of_an_exception(damaged_db, monkeypatch):
    from tests.pages.helpers import run_page

    monkeypatch.setenv("CDOF_DB", str(damaged_db))
    at = run_page("scorecard")  # asserts that no exception reached the page
    errors = [e.value for e in at.error]
    assert errors, "the page showed no explanation"
    assert_says_damaged(errors[0], damaged_db)
    assert not at.dataframe
