"""pages/common.py: what every page shares; here, a database held by another process."""

import shutil
import subprocess
import sys

from tests.pages.helpers import all_text, run_page


def test_a_database_held_by_another_process_gets_a_message_and_a_reload_opens_it(built_db, tmp_path, monkeypatch):
    """DuckDB lets one process at a time open a file: while a command-line ingest holds it, a page says so (no
    traceback), and opens it on the next run once the ingest has finished."""
    db = tmp_path / "held.duckdb"
    shutil.copy(built_db, db)
    monkeypatch.setenv("CDOF_DB", str(db))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); sys.stdin.read()",
            str(db),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        at = run_page("scorecard")
        assert [e.value for e in at.error] and "cannot be opened just now" in at.error[0].value
        assert "Another process" in at.error[0].value and "reload this page" in at.error[0].value
        assert not at.dataframe
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    at = run_page("scorecard")
    assert not at.error and at.dataframe
    assert "Buckinghamshire" in all_text(at)
