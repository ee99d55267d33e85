"""metrics.store.schema on real files: the schema version, the migrations from older files, the ENUM labels
and the constraints."""

import duckdb
import numpy as np
import pandas as pd
import pytest

from metrics.areas import load_geography
from metrics.build import areas_frame
from metrics.ingest.pipeline import rollback, write_revision
from metrics.store import SCHEMA_VERSION, Store, StoreError, schema
from tests.metrics.store.helpers import (
    CONSTRAINT_ERRORS,
    all_versions,
    cell_versions,
    rows,
    store_as_schema_4,
    store_as_schema_5,
    store_as_schema_6,
    store_as_schema_7,
    stored_history,
    upload,
)


def test_schema_version_is_stored_and_a_newer_file_is_refused(tmp_path):
    path = tmp_path / "v.duckdb"
    with Store(path) as s:
        assert s.schema_version() == SCHEMA_VERSION
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(StoreError, match="schema version 99, newer than this code"):
        Store(path)


def test_version_1_file_is_migrated_keeping_every_row(tmp_path):
    """Version 1 had a PRIMARY KEY on observations; opening such a file rebuilds the table without it."""
    path = tmp_path / "v1.duckdb"
    v1_observations = "CREATE TABLE observations " + schema.OBSERVATIONS_DDL_V4.replace(
        "revision_id INTEGER NOT NULL,",
        "revision_id INTEGER NOT NULL, PRIMARY KEY (metric_key, area_code, period, breakdown),",
        1,
    )
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.execute(v1_observations)
    con.execute(
        "INSERT INTO observations VALUES ('m', 'E92000001', '2022/23', 'Total', 40, 39, 41, NULL, NULL, "
        "4000, 10000, NULL, 'a source', false, 1)"
    )
    con.close()
    with Store(path) as s:
        assert s.schema_version() == SCHEMA_VERSION
        kinds = s._query("SELECT constraint_type FROM duckdb_constraints() WHERE table_name = 'observation_versions'")
        assert "PRIMARY KEY" not in set(kinds["constraint_type"])
        kept = s._query("SELECT metric_key, count, source FROM observations")
        assert kept.to_dict("records") == [{"metric_key": "m", "count": 4000.0, "source": "a source"}]


@pytest.mark.parametrize("version", ["2", "4"])
def test_older_file_is_migrated_to_one_table_of_versions_as_it_would_have_written_them(tmp_path, version):
    """Schema 2 kept the current version in observation_history too, schemas 3 and 4 only the earlier ones;
    schema 5 keeps every version in observation_versions, marked with the revision that replaced it. Opening an
    older file gives the table this code would have written, and cell_history and rollback work as before."""
    path = tmp_path / f"v{version}.duckdb"
    with Store(path) as s:
        with s.transaction() as cur:
            s.replace_areas(cur, areas_frame(load_geography()))
        write_revision(s, rows({"E10000034": (300, 500), "E06000001": (30, 90)}), upload())
        r2, _ = write_revision(s, rows({"E10000034": (320, 500), "E06000002": (10, 20)}), upload())
        r3, _, _ = rollback(s, r2, "analyst")  # E06000002 removed: a tombstone
        write_revision(s, rows({"E06000002": (12, 20)}), upload())  # written again after it
        versions_table = all_versions(s)
        history = stored_history(s)
        versions = {a: cell_versions(s, a) for a in ("E10000034", "E06000001", "E06000002")}
    assert versions_table["is_deleted"].sum() == 1 and versions_table["replaced_by"].notna().sum() == 3
    store_as_schema_4(path, version)
    with Store(path) as s:
        assert s.schema_version() == SCHEMA_VERSION
        pd.testing.assert_frame_equal(all_versions(s), versions_table)
        pd.testing.assert_frame_equal(stored_history(s), history)
        assert {a: cell_versions(s, a) for a in versions} == versions
        _, summary, conflicts = rollback(s, r3, "analyst")
        assert (summary.changed, conflicts) == (1, 1)  # E10000034 back to 64; E06000002 rewritten since
        current = s._query("SELECT area_code, value FROM observations ORDER BY 1")
        assert current.to_dict("list") == {
            "area_code": ["E06000001", "E06000002", "E10000034"],
            "value": [30 / 90 * 100, 60.0, 64.0],
        }


def test_comparison_labels_are_stored_as_enums_and_read_as_text(tmp_path):
    """Schema 4 stores the comparison and trend labels as ENUMs; a version 3 file (VARCHAR) is converted on
    open, and the page queries return the same text columns either way."""
    from metrics import stats
    from metrics.store.schema import LABEL_COLUMNS as _LABEL_COLUMNS

    path = tmp_path / "v3.duckdb"
    with Store(path) as s:
        with s.transaction() as cur:
            s.replace_areas(cur, areas_frame(load_geography()))
        write_revision(s, rows({"E92000001": (4000, 10000), "E10000034": (300, 500), "E06000001": (30, 90)}), upload())
        before = s.latest_for_areas(["E92000001", "E10000034", "E06000001"])
        kinds = s._query(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'indicator_values'"
        ).set_index("column_name")["data_type"]
        assert all(kinds[c].startswith("ENUM") for c in _LABEL_COLUMNS)
    for c in _LABEL_COLUMNS:
        assert pd.api.types.is_string_dtype(before[c]) and not isinstance(before[c].dtype, pd.CategoricalDtype)
    assert set(before["compared_to_england"]) <= set(stats.COMPARE_LABELS) and len(before) >= 3
    store_as_schema_4(path, version="3")
    con = duckdb.connect(str(path))  # the labels as schema 3 stored them
    for c in _LABEL_COLUMNS:
        con.execute(f"ALTER TABLE indicator_values ALTER {c} TYPE VARCHAR")
    con.close()
    with Store(path) as s:
        assert s.schema_version() == SCHEMA_VERSION
        after = s.latest_for_areas(["E92000001", "E10000034", "E06000001"])
        order = ["metric_key", "area_code"]  # (the query has no ORDER BY)
        pd.testing.assert_frame_equal(
            after.sort_values(order, ignore_index=True), before.sort_values(order, ignore_index=True)
        )
        write_revision(s, rows({"E10000034": (320, 500)}), upload())
        assert len(s.latest_for_areas(["E10000034"])) == 1


def test_constraints_reject_impossible_rows(store):
    with pytest.raises(CONSTRAINT_ERRORS), store.transaction() as cur:
        cur.execute("INSERT INTO periods VALUES ('x', 'fortnight', DATE '2020-01-01', DATE '2020-01-14', 1, 2020)")
    with pytest.raises(CONSTRAINT_ERRORS), store.transaction() as cur:
        cur.execute(
            "INSERT INTO observation_versions (metric_key, area_code, period, breakdown, value, lower95, "
            "upper95, source, is_demo, revision_id) VALUES ('m', 'a', 'p', 'Total', 1, 5, 2, 's', false, 1)"
        )
    # a current version without its source
    with pytest.raises(CONSTRAINT_ERRORS, match=r"(?i)check"), store.transaction() as cur:
        cur.execute(
            "INSERT INTO observation_versions (metric_key, area_code, period, value, is_demo, "
            "revision_id) VALUES ('m', 'a', 'p', 1, false, 1)"
        )
    with store.transaction() as cur:  # a tombstone needs none
        cur.execute(
            "INSERT INTO observation_versions (metric_key, area_code, period, revision_id, is_deleted) "
            "VALUES ('m', 'a', 'p', 1, true)"
        )


def test_version_5_file_gains_published_comparison_and_its_labels(tmp_path):
    """Schema 6 adds observations' published_comparison and the "(as published)" labels of the comparison with
    England; a version 5 file keeps its rows (with no published comparison) and can store one after opening."""
    path = tmp_path / "v5.duckdb"
    areas = {"E92000001": (4000, 10000), "E10000034": (300, 500)}
    with Store(path) as s:
        with s.transaction() as cur:
            s.replace_areas(cur, areas_frame(load_geography()))
        write_revision(s, rows(areas), upload())
        before = s.latest_for_areas(list(areas))
    store_as_schema_5(path)
    con = duckdb.connect(str(path))
    assert "published_comparison" not in set(con.execute("DESCRIBE observation_versions").df()["column_name"])
    con.close()
    with Store(path) as s:
        assert s.schema_version() == SCHEMA_VERSION
        assert s._query("SELECT published_comparison FROM observations")["published_comparison"].isna().all()
        after = s.latest_for_areas(list(areas))
        order = ["metric_key", "area_code"]
        pd.testing.assert_frame_equal(
            after.sort_values(order, ignore_index=True), before.sort_values(order, ignore_index=True)
        )
        labels = s._query("SELECT enum_range(NULL::compare_label) AS labels")["labels"][0]
        assert list(labels) == list(schema.LABEL_TYPES["compare_label"])
        published = rows({"E10000034": (300, 500)}, period="2021/22")
        published[["count", "denominator"]] = np.nan
        published["published_comparison"] = "Better"
        write_revision(s, published, upload())
        got = s._query(
            "SELECT period, compared_to_england::VARCHAR AS verdict FROM indicator_values "
            "WHERE area_code = 'E10000034' ORDER BY period"
        )
        assert got.to_dict("list") == {"period": ["2021/22", "2022/23"], "verdict": ["Better (as published)", "Better"]}
        assert s._query("SELECT published_comparison FROM observation_history").empty


def test_version_6_file_gains_the_scope_of_each_revision(tmp_path):
    """Schema 7 (migration_6_revision_scope) adds revisions.scope: earlier revisions have none recorded (shown as
    such), and the next one records its own."""
    from metrics.access import operator_scope
    from metrics.presentation.tables import SCOPE_NOT_RECORDED, revisions_for_display

    path = tmp_path / "v6.duckdb"
    areas = {"E92000001": (4000, 10000), "E10000034": (300, 500)}
    with Store(path) as s:
        with s.transaction() as cur:
            s.replace_areas(cur, areas_frame(load_geography()))
        write_revision(s, rows(areas), upload())
    store_as_schema_6(path)
    con = duckdb.connect(str(path))
    assert "scope" not in set(con.execute("DESCRIBE revisions").df()["column_name"])
    con.close()
    with Store(path) as s:
        assert s.schema_version() == SCHEMA_VERSION == 8
        assert s.revisions()["scope"].isna().all()
        rid, _ = write_revision(s, rows(areas, period="2021/22"), upload(), scope=operator_scope("ops"))
        shown = revisions_for_display(s.revisions()).set_index("Revision")["Under the rights of"]
    assert shown[rid] == "command line (operator, full rights)"
    assert shown[rid - 1] == SCOPE_NOT_RECORDED


def test_version_7_file_gains_the_board_papers_tables(tmp_path):
    """Schema 8 adds the delivery plan, commentary and paper details tables (migration 7); a version 7 file keeps
    its rows and can store a plan after opening."""
    from metrics.store.narrative import NARRATIVE_TABLES, PLAN_ACTIONS

    path = tmp_path / "v7.duckdb"
    areas = {"E92000001": (4000, 10000), "E10000034": (300, 500)}
    with Store(path) as s:
        with s.transaction() as cur:
            s.replace_areas(cur, areas_frame(load_geography()))
        write_revision(s, rows(areas), upload())
    store_as_schema_7(path)
    with Store(path) as s:
        assert s.schema_version() == SCHEMA_VERSION == 8
        assert len(s._query("SELECT * FROM observations")) == 2
        for table in NARRATIVE_TABLES:
            assert s.narrative(table).empty
        plan = pd.DataFrame([{c: None for c in PLAN_ACTIONS.all_columns} | {"area_code": "E10000034", "action": "x"}])
        _, change, written = s.write_narrative(upload(), PLAN_ACTIONS, plan)
        assert change.new == 1 and written["action_id"].tolist() == ["1"]
