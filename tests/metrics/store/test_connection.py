"""metrics.store.connection: one attached file per process, shared by its Stores; row groups written to the
file."""

import duckdb
import pytest

from metrics.store import Store, StoreError


def test_stores_on_one_file_share_it_and_close_it_with_the_last(tmp_path):
    """The file is attached once per process (DuckDB refuses a second attach): Stores on it share the database,
    a read-only Store may join one that writes, and the file is released when the last Store closes."""
    path = tmp_path / "shared.duckdb"
    first, second = Store(path), Store(path)
    reader = Store(path, read_only=True)
    with first.transaction() as cur:
        cur.execute("INSERT INTO meta VALUES ('probe', 'seen')")
    assert second.get_meta("probe") == reader.get_meta("probe") == "seen"
    with pytest.raises(StoreError, match="read-only"), reader.transaction():
        pass
    first.close()
    first.close()  # closing twice is harmless and does not release the others' share
    assert second.get_meta("probe") == "seen"
    second.close()
    reader.close()
    con = duckdb.connect(str(path))  # released: another connection may now open the file for writing
    assert con.execute("SELECT value FROM meta WHERE key = 'probe'").fetchall() == [("seen",)]
    con.close()


def test_a_file_open_read_only_in_the_process_is_not_reopened_for_writing(tmp_path):
    path = tmp_path / "ro.duckdb"
    Store(path).close()
    with Store(path, read_only=True), pytest.raises(StoreError, match="open read-only"):
        Store(path)
    Store(path).close()  # once the reader is gone


def test_a_large_insert_is_written_to_the_file_not_the_write_ahead_log(tmp_path):
    """Row groups of ROW_GROUP_SIZE rows: an insert of more rows than that is written compressed to the database
    file before the commit, and the commit logs only where it went (DuckDB's default row group of 122,880 rows
    would log all 100,000 rows here: ~1.4 MB)."""
    from metrics.store import ROW_GROUP_SIZE

    path = tmp_path / "rg.duckdb"
    with Store(path) as s:
        with s.transaction() as cur:
            cur.execute("CREATE TABLE probe (i BIGINT, s VARCHAR)")
        with s.transaction() as cur:
            cur.execute("INSERT INTO probe SELECT range, 'row ' || range FROM range(100000)")
        wal = path.with_name(path.name + ".wal")
        assert wal.exists() and wal.stat().st_size < 100_000
        row_groups = s._scalar("SELECT max(row_group_id) + 1 FROM pragma_storage_info('probe')")
        assert row_groups == -(-100_000 // ROW_GROUP_SIZE)
