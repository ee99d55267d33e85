"""Commit, preview, rollback and the CLI: whole-or-nothing, every revision undoable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from metrics.cli import main
from metrics.ingest.pipeline import commit, prepare, preview, rollback
from metrics.store import Store

from .bigfile import write_big_csv
from .conftest import FIXTURES

REPO = Path(__file__).resolve().parents[2]


def _export(db):
    with Store(db, read_only=True) as store:
        return store.export_rows().drop(columns=["revision_id"])


def test_preview_shows_changes_before_commit(db, tmp_path):
    path = tmp_path / "change.csv"
    path.write_text(
        "metric_key,area_code,period,value,lower95,upper95\nunmet_need_ocu,E10000034,2019/20,60,50,70\n",
        encoding="utf-8",
    )
    prepared = prepare(path)
    with Store(db) as store:
        before = store.export_fingerprint()
        old = (
            store.export_rows()
            .set_index(["metric_key", "area_code", "period", "breakdown"])
            .loc[("unmet_need_ocu", "E10000034", "2019/20", "Total"), "value"]
        )
        summary, table = preview(store, prepared)
        changes = store.preview_changes(prepared.rows)
        assert store.export_fingerprint() == before  # preview writes nothing
    assert (summary.new, summary.changed, summary.unchanged) == (0, 1, 0)
    assert table.to_dict("records") == [
        {
            "metric_key": "unmet_need_ocu",
            "area_code": "E10000034",
            "area_name": "Worcestershire",
            "new": 0,
            "changed": 1,
            "description changed": 0,
            "unchanged": 0,
        }
    ]
    assert changes.old_value.iloc[0] == pytest.approx(old) and changes.value.iloc[0] == 60


def test_rollback_restores_earlier_values_exactly(db):
    before = _export(db)
    prepared = prepare(FIXTURES / "fingertips/unmet_opiates.csv")
    with Store(db) as store:
        rid, summary = commit(store, prepared, author="test")
    after = _export(db)
    assert not after.equals(before)
    with Store(db) as store:
        _, rsum, conflicts = rollback(store, rid, author="test")
        rev = store.revisions()
    # Every version written is undone: figures changed and descriptions changed alike.
    assert conflicts == 0 and rsum.changed + rsum.removed == summary.new + summary.changed + summary.described
    assert rev.iloc[0].action == "rollback" and rev.iloc[0].rolls_back == rid
    restored = _export(db)
    assert restored.equals(before)


def test_cli_dry_run_history_and_rollback(db, capsys):
    before = _export(db)
    assert main(["ingest", str(FIXTURES / "fingertips/unmet_alcohol.csv"), "--db", str(db), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "No problems found." in out and "Summary:" in out and "Dry run: nothing was written." in out
    assert _export(db).equals(before)
    assert main(["ingest", str(FIXTURES / "fingertips/unmet_alcohol.csv"), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    # (the default build writes 5 revisions: demonstration, then each of 4 real files)
    assert "Committed revision 6" in out
    assert main(["history", "--db", str(db)]) == 0
    assert "unmet_alcohol.csv" in capsys.readouterr().out
    assert main(["rollback", "6", "--db", str(db)]) == 0
    assert "Rolled back revision 6 as revision 7" in capsys.readouterr().out
    assert _export(db).equals(before)
    assert main(["rollback", "99", "--db", str(db)]) == 2


def test_second_writer_is_refused_while_a_store_is_open(db, tmp_path):
    # One process writes at a time: the CLI waits (here 1 s), says what holds the file and exits 1 untouched.
    settings = tmp_path / "settings.yaml"
    settings.write_text("store:\n  lock_wait_seconds: 1\n")
    with Store(db):
        code = subprocess.run(
            [
                sys.executable,
                "-m",
                "metrics",
                "ingest",
                str(FIXTURES / "fingertips/unmet_alcohol.csv"),
                "--db",
                str(db),
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            env={**os.environ, "CDOF_SETTINGS": str(settings)},
        )
    assert code.returncode == 1, code.stderr
    assert f"waiting up to 1 s for {db}: in use by process {os.getpid()}" in code.stderr
    assert f"{db} is in use by process {os.getpid()} (" in code.stderr and "writing since" in code.stderr
    assert "Traceback" not in code.stderr


def test_kill_during_commit_leaves_all_or_nothing(db, tmp_path):
    big = tmp_path / "big.csv"
    n = write_big_csv(big, 60_000, tag="killtest")
    outcomes = set()
    # None kills while the file is being read; the delays kill at points during the commit itself (the delay is
    # the point in the commit being tested, not a wait for something to be ready).
    for delay in (None, 0.0, 0.3, 0.8, 1.5):
        proc = subprocess.Popen(
            [sys.executable, "-m", "metrics", "ingest", str(big), "--db", str(db)],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stderr is not None
        awaited = "validating" if delay is None else "committing"
        for line in proc.stderr:
            if awaited in line:
                break
        if delay:
            time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        with Store(db) as store:
            stored = store.count_from_source("killtest")
            if stored == n:  # it committed before the kill: undo it for the next round
                rid = int(store.revisions().iloc[0].revision_id)
                rollback(store, rid, "test")
                assert store.count_from_source("killtest") == 0
        assert stored in (0, n), f"partial upload after kill at {delay}: {stored} of {n}"
        outcomes.add(stored)
    assert 0 in outcomes
