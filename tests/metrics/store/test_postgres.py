"""The PostgreSQL store against the file, and what a shared server adds: the same results row for row, writers in
several real processes one at a time (none lost, a refused one told to try again), a writer killed with SIGKILL in
the middle of its commit leaving nothing of it, a rebuild swapped in whole."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from metrics.areas import load_geography
from metrics.build import areas_frame
from metrics.ingest.pipeline import write_revision
from metrics.store import StoreError, open_store
from metrics.store.postgres.connection import StoreBusy
from tests.metrics.store.helpers import rows, upload

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures"


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "metrics", *args], cwd=REPO, capture_output=True, text=True, timeout=timeout
    )


def python(code: str, *args: str) -> subprocess.Popen:
    """A Python process running `code` (with the repository importable), its output piped."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def with_areas(url: str):
    s = open_store(url)
    with s.transaction() as cur:
        s.replace_areas(cur, areas_frame(load_geography()))
    return s


def _columns(store) -> pd.DataFrame:
    return store._query(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
    )


def test_both_stores_have_the_same_tables_views_and_columns(tmp_path, pg_url):
    """A change to the file's schema (metrics/store/schema.py) needs the same in PostgreSQL's (postgres/schema.py)."""
    with open_store(tmp_path / "t.duckdb") as file, open_store(pg_url) as pg:
        file_columns, pg_columns = _columns(file), _columns(pg)
        assert file.schema_version() == pg.schema_version()
    assert len(file_columns) > 50
    pd.testing.assert_frame_equal(file_columns, pg_columns)


def test_export_derived_is_identical_on_the_file_and_on_postgresql(built_db, tmp_path, pg_built_copy, capfd):
    """The default build, then the same uploads and a rollback, through the command line (in this process) on
    both: every value the pages read (export --derived) and every stored value (export) equal row for row."""
    from metrics.cli import main

    file = str(tmp_path / "cdof.duckdb")
    shutil.copy(built_db, file)
    uploads = [FIXTURES / "fingertips" / "unmet_opiates.csv", FIXTURES / "ndtms" / "viewit_export_la_barnet.csv"]

    def run(*args: str) -> tuple[int, str, str]:
        capfd.readouterr()
        code = main(list(args))
        out, err = capfd.readouterr()
        return code, out, err

    def exports(db: str) -> tuple[str, str]:
        (code_derived, derived, _), (code_stored, stored, _) = (
            run("export", "--derived", "--db", db),
            run("export", "--db", db),
        )
        assert code_derived == 0 and code_stored == 0
        return derived, stored

    built = exports(file)
    assert built == exports(pg_built_copy)
    assert len(built[0].splitlines()) > 40_000
    with open_store(file, read_only=True) as store:
        first_upload = store.latest_revision() + 1  # the default build's revisions come first
    for db in (file, pg_built_copy):
        for f in uploads:
            code, out, err = run("ingest", str(f), "--db", db)
            assert code == 0, out + err
        assert run("rollback", "3", "--db", db)[0] == 2  # a build revision: refused on both
        assert run("rollback", str(first_upload), "--db", db)[0] == 0  # the first upload is undone
    uploaded = exports(file)
    assert uploaded != built
    assert uploaded == exports(pg_built_copy)
    assert run("history", "--db", pg_built_copy)[1].count("Upload of") == 2


def test_rebuilding_swaps_a_whole_new_store_in(pg_built_copy):
    """build-default --force on a database in use: the store is replaced in one transaction (the uploads are gone,
    the build's revisions are back), and a store opened before reads the new one."""
    reader = open_store(pg_built_copy, read_only=True)
    built = reader.latest_revision()  # the default build's revisions
    with open_store(pg_built_copy) as s:
        write_revision(s, rows({"E10000034": (300, 500)}), upload())
    assert reader.latest_revision() == built + 1
    assert cli("build-default", "--db", pg_built_copy).returncode == 0  # built already: left as it is
    assert reader.latest_revision() == built + 1
    assert cli("build-default", "--force", "--db", pg_built_copy).returncode == 0
    assert reader.latest_revision() == built and reader.count_from_source("test file") == 0
    reader.close()


WRITER = """
import sys
from metrics.ingest.pipeline import write_revision
from metrics.store import open_store
from tests.metrics.store.helpers import rows, upload

url, n, revisions = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
own_area = ["E10000034", "E10000025", "E06000019", "E10000015"][n]
with open_store(url) as store:
    for k in range(revisions):
        # England's cell is written by every writer: a lost update would show in its versions
        write_revision(store, rows({"E92000001": (4000 + 10 * n + k, 10000), own_area: (300 + k, 500)},
                                   source=f"writer {n}"), upload(author=f"writer {n}"))
print("done", flush=True)
"""


def test_writers_in_four_processes_all_land_one_after_another(pg_url):
    """Four processes write five revisions each at once, all to England's cell and each to an area of its own:
    20 revisions, each cell's versions a single chain (each replaced by the next revision that wrote it), the
    derived values those of the last version."""
    with_areas(pg_url).close()
    writers = [python(WRITER, pg_url, str(n), "5") for n in range(4)]
    outputs = [w.communicate(timeout=300) for w in writers]
    assert [w.returncode for w in writers] == [0, 0, 0, 0], [o[1][-2000:] for o in outputs]
    with open_store(pg_url, read_only=True) as s:
        revs = s.revisions()
        assert len(revs) == 20 and sorted(revs["revision_id"]) == list(range(1, 21))
        assert (revs["rows_new"] + revs["rows_changed"] + revs["rows_unchanged"] == 2).all()
        england = s.cell_history("continuity_of_care", "E92000001", "2022/23")
        assert len(england) == 20 and england["revision_id"].is_unique
        chain = s._query(
            "SELECT revision_id, replaced_by FROM observation_versions WHERE area_code = 'E92000001' "
            "ORDER BY revision_id"
        )
        assert chain["replaced_by"].iloc[:-1].tolist() == chain["revision_id"].iloc[1:].tolist()
        assert pd.isna(chain["replaced_by"].iloc[-1])
        assert s.count_observations() == 5
        current = s.export_rows().set_index("area_code")
        derived = s.latest_for_area("E92000001").set_index("metric_key").loc["continuity_of_care"]
        assert derived.value == pytest.approx(current.loc["E92000001", "value"])
        assert derived.revision_id == 20


def test_a_writer_that_cannot_start_in_time_is_refused_and_can_retry(pg_url):
    """While another upload holds the write lock, a second writer waits write_wait seconds, then is refused with a
    message saying to try again and writes nothing; once the first commits, the retry lands."""
    first = with_areas(pg_url)
    second = open_store(pg_url, write_wait=0.5)
    with first.write(upload()) as tx:
        tx.write_observations(rows({"E10000034": (300, 500)}))
        with pytest.raises(StoreBusy, match=r"nothing was written\. Try again in a minute"):
            write_revision(second, rows({"E10000025": (50, 100)}), upload())
    write_revision(second, rows({"E10000025": (50, 100)}), upload())
    assert second.latest_revision() == 2 and second.count_observations() == 2
    first.close()
    second.close()


KILLED_WRITER = """
import sys
import pandas as pd
from metrics import derive
from metrics.areas import default_geography
from metrics.catalogue import default_catalogue
from metrics.ingest.pipeline import write_revision
from metrics.store import open_store
from tests.metrics.store.helpers import rows, upload

url = sys.argv[1]
areas = {code: (100 + i, 1000) for i, code in enumerate(sys.argv[2].split(","))}
big = pd.concat([rows(areas, period=f"{y}/{str(y + 1)[2:]}", source="killed writer") for y in range(2005, 2023)],
                ignore_index=True)
store = open_store(url)
with store.write(upload(author="killed writer")) as tx:
    tx.write_observations(big)
    print("inside the transaction", flush=True)
    for keys in tx.derive_batches(derive.BATCH_ROWS):
        derived = derive.derive_frame(tx.rows_for_derive(keys), default_catalogue(), default_geography())
        tx.replace_derived(keys, derived)
print("committed", flush=True)
"""


def test_a_writer_killed_during_its_commit_leaves_nothing_of_it(pg_url):
    """SIGKILL a writing process inside its transaction (after its rows are written, while it derives), five times:
    the server rolls the transaction back, so no revision, row or derived value of it is left, the lock is free
    and the next write lands."""
    store = with_areas(pg_url)
    write_revision(store, rows({"E92000001": (4000, 10000)}), upload())
    fingerprint, derived_before = store.export_fingerprint(), store.derived_rows()
    areas = ",".join(a.code for a in load_geography().utlas())
    for _ in range(5):
        writer = python(KILLED_WRITER, pg_url, areas)
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "inside the transaction", writer.stderr.read()
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)
        assert writer.returncode == -signal.SIGKILL
        assert store.latest_revision() == 1
        assert store.export_fingerprint() == fingerprint and store.count_from_source("killed writer") == 0
        pd.testing.assert_frame_equal(store.derived_rows(), derived_before)
    write_revision(store, rows({"E10000034": (300, 500)}), upload())  # the lock was released with the connection
    assert store.latest_revision() == 2
    store.close()


def test_an_unreachable_server_is_a_store_error_naming_it_without_its_password():
    with pytest.raises(StoreError, match=r"cannot connect to the database postgresql://cdof:\*\*\*@127.0.0.1:9/"):
        open_store("postgresql://cdof:secret@127.0.0.1:9/cdof")
