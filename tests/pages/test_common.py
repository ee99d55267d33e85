"""pages/common.py: what every page shares; here, a database held by another process."""

import shutil

from tests.pages.helpers import all_text, run_page
from tests.support.holder import file_held_by_another_process


def test_a_database_held_by_another_process_gets_a_message_and_a_reload_opens_it(built_db, tmp_path, monkeypatch):
    """DuckDB lets one process at a time open a file: while a command-line ingest holds it, a page says so (no
    traceback), and opens it on the next run once the ingest has finished."""
    db = tmp_path / "held.duckdb"
    shutil.copy(built_db, db)
    monkeypatch.setenv("CDOF_DB", str(db))
    with file_held_by_another_process(db):
        at = run_page("scorecard")
        assert [e.value for e in at.error] and "cannot be opened just now" in at.error[0].value
        assert "Another process" in at.error[0].value and "reload this page" in at.error[0].value
        assert not at.dataframe
    at = run_page("scorecard")
    assert not at.error and at.dataframe
    assert "Buckinghamshire" in all_text(at)
