"""Two writers at once (issue 30): two real `python -m metrics ingest` processes of different files into one
database file, the second started at staggers from 0 to 2 s, and the Upload page against a command-line ingest.
The rule for every round: each process that exits 0 has all its rows stored under a revision number of its own;
one that does not exits non-zero, says what holds the file, and wrote nothing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from metrics.settings import default_settings
from metrics.store import Store

from .bigfile import write_big_csv
from .conftest import FIXTURES

REPO = Path(__file__).resolve().parents[2]
ROWS = 2_000
STAGGERS = [round(0.2 * i, 1) for i in range(11)]  # 0, 0.2, ..., 2.0 s


def _ingest(csv: Path, db: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "metrics", "ingest", str(csv), "--db", str(db)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _check_rule(db: Path, outcomes: dict[str, tuple[int, str, str]], stagger: float) -> list[str]:
    """Assert the rule for one round; the outcome of each writer in words."""
    committed: dict[str, int] = {}
    with Store(db, read_only=True) as store:
        revisions = store.revisions()
        for tag, (code, out, err) in outcomes.items():
            stored = store.count_from_source(tag)
            assert "Traceback" not in err, f"{stagger} s, {tag}: {err}"
            if code == 0:
                found = re.search(r"Committed revision (\d+): (\d[\d,]*) new", out)
                assert found, f"{stagger} s, {tag}: exit 0 without a commit: {out}"
                committed[tag] = int(found.group(1))
                assert stored == ROWS, f"{stagger} s: {tag} exited 0 but {stored} of {ROWS} rows are stored"
                row = revisions[revisions.revision_id == committed[tag]]
                assert row.file_name.tolist() == [f"{tag}.csv"], f"{stagger} s, {tag}: revision {committed[tag]}"
            else:
                assert code == 1 and "is in use by process" in err, f"{stagger} s, {tag}: exit {code}: {err}"
                assert stored == 0, f"{stagger} s: {tag} was refused but {stored} rows are stored"
    assert len(set(committed.values())) == len(committed), f"{stagger} s: one revision number twice: {committed}"
    assert revisions.revision_id.is_unique
    return [f"{tag} revision {committed[tag]}" if tag in committed else f"{tag} refused" for tag in outcomes]


def test_two_command_line_ingests_at_any_stagger_both_land_or_one_is_refused(module_db, tmp_path):
    files = {tag: tmp_path / f"{tag}.csv" for tag in ("first", "second")}
    for tag, path in files.items():
        assert write_big_csv(path, ROWS, tag=tag) == ROWS
    env = dict(os.environ)
    seen = []
    for stagger in STAGGERS:
        db = tmp_path / f"round-{stagger}" / "cdof.duckdb"
        db.parent.mkdir()
        shutil.copy(module_db, db)
        first = _ingest(files["first"], db, env)
        time.sleep(stagger)  # the stagger under test, not a wait for anything
        second = _ingest(files["second"], db, env)
        outcomes = {tag: (p.wait(timeout=300), *p.communicate()) for tag, p in (("first", first), ("second", second))}
        seen.append((stagger, _check_rule(db, outcomes, stagger)))
    # With the default wait (30 s) the second writer waits for the first: every round lands both files.
    with Store(module_db, read_only=True) as store:
        a, b = store.latest_revision() + 1, store.latest_revision() + 2  # after the default build's revisions
    assert all(
        words == [f"first revision {a}", f"second revision {b}"]
        or words == [f"first revision {b}", f"second revision {a}"]
        for _, words in seen
    ), seen


@pytest.fixture
def page_env(tmp_path, monkeypatch):
    settings = tmp_path / "settings.yaml"
    settings.write_text("upload:\n  local_mode: true\nstore:\n  lock_wait_seconds: 3\n")
    monkeypatch.setenv("CDOF_SETTINGS", str(settings))
    yield {**os.environ, "CDOF_SETTINGS": str(settings)}
    st.cache_resource.clear()
    default_settings.cache_clear()


def test_upload_page_against_a_command_line_ingest(module_db, tmp_path, page_env, monkeypatch):
    cli_file = tmp_path / "second.csv"
    write_big_csv(cli_file, ROWS, tag="second")
    upload = (FIXTURES / "fingertips/unmet_opiates.csv").read_bytes()
    for stagger in (0.0, 1.0, 2.0):
        db = tmp_path / f"page-round-{stagger}" / "cdof.duckdb"
        db.parent.mkdir()
        shutil.copy(module_db, db)
        monkeypatch.setenv("CDOF_DB", str(db))
        default_settings.cache_clear()
        st.cache_resource.clear()  # the previous round's store is closed
        at = AppTest.from_file("../../pages/upload.py", default_timeout=120)
        at.run()
        at.get("file_uploader")[0].set_value(("unmet_opiates.csv", upload, "text/csv"))
        at.run()
        assert not at.exception, at.exception
        cli = _ingest(cli_file, db, page_env)
        time.sleep(stagger)  # the stagger under test
        next(b for b in at.button if b.key == "commit").click()
        at.run()
        assert not at.exception, at.exception
        code, out, err = cli.wait(timeout=300), *cli.communicate()
        page_said = " ".join(s.value for s in at.success) + " ".join(e.value for e in at.error)
        st.cache_resource.clear()  # the page's store lets go of the file before it is checked
        page = re.search(r"Committed as revision (\d+)", page_said)
        with Store(db, read_only=True) as store:
            revisions = store.revisions()
            uploads = revisions[revisions.file_name == "unmet_opiates.csv"]
            if page:
                assert uploads.revision_id.tolist() == [int(page.group(1))], (stagger, page_said)
            else:
                assert uploads.empty and "in use by process" in page_said, (stagger, page_said)
            assert "Traceback" not in err
            if code == 0:
                rid = int(re.search(r"Committed revision (\d+)", out).group(1))
                assert store.count_from_source("second") == ROWS
                assert not page or rid != int(page.group(1))
            else:
                assert code == 1 and "is in use by process" in err and store.count_from_source("second") == 0
        assert page or code == 0, f"{stagger} s: neither the page nor the command line wrote"
