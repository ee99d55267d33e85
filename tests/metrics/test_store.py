"""The store on a real temporary DuckDB file: schema, revisions, preview, rollback, constraints, threads."""
import threading

import duckdb
import numpy as np
import pandas as pd
import pytest

from metrics.areas import load_geography
from metrics.build import areas_frame
from metrics.catalogue import load_catalogue
from metrics.derive import make_rederive
from metrics.store import OBS_COLUMNS, SCHEMA_VERSION, RevisionInfo, Store, StoreError


@pytest.fixture()
def store(tmp_path):
    s = Store(tmp_path / "t.duckdb")
    with s.transaction() as cur:
        s.replace_areas(cur, areas_frame(load_geography()))
    yield s
    s.close()


@pytest.fixture(scope="module")
def rederive():
    return make_rederive(load_catalogue(), load_geography())


def rows(values, metric="continuity_of_care", period="2022/23", source="test file"):
    out = []
    for area, (count, den) in values.items():
        out.append({"metric_key": metric, "area_code": area, "period": period, "breakdown": "Total",
                    "value": count / den * 100, "lower95": np.nan, "upper95": np.nan, "lower998": np.nan,
                    "upper998": np.nan, "count": float(count), "denominator": float(den), "value_note": None,
                    "source": source, "is_demo": False})
    return pd.DataFrame(out, columns=OBS_COLUMNS)


def upload(author="analyst"):
    return RevisionInfo(author=author, action="upload", file_name="f.csv", sha256="0" * 64, file_format="template")


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
    from metrics import store as store_module

    path = tmp_path / "v1.duckdb"
    v1_observations = "CREATE TABLE observations " + store_module._OBSERVATIONS_DDL_V4.replace(
        "revision_id INTEGER NOT NULL,", "revision_id INTEGER NOT NULL, PRIMARY KEY (metric_key, area_code, "
        "period, breakdown),", 1)
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.execute(v1_observations)
    con.execute("INSERT INTO observations VALUES ('m', 'E92000001', '2022/23', 'Total', 40, 39, 41, NULL, NULL, "
                "4000, 10000, NULL, 'a source', false, 1)")
    con.close()
    with Store(path) as s:
        assert s.schema_version() == SCHEMA_VERSION == 5
        kinds = s._query("SELECT constraint_type FROM duckdb_constraints() "
                         "WHERE table_name = 'observation_versions'")
        assert "PRIMARY KEY" not in set(kinds["constraint_type"])
        kept = s._query("SELECT metric_key, count, source FROM observations")
        assert kept.to_dict("records") == [{"metric_key": "m", "count": 4000.0, "source": "a source"}]


def _history(s):
    return s._query("SELECT metric_key, area_code, period, breakdown, value, source, revision_id, is_deleted "
                    "FROM observation_history ORDER BY ALL")


def _versions(s, area, period="2022/23"):
    h = s.cell_history("continuity_of_care", area, period)
    return list(zip(h["revision_id"], [None if pd.isna(v) else round(v, 6) for v in h["value"]], h["is_deleted"],
                    h["action"]))


def test_cell_history_lists_every_version_across_uploads_and_rollbacks(store, rederive):
    """observation_history holds the versions that are no longer current (schema 3); cell_history shows them
    with the current one, as when the history held every version."""
    r1, _ = store.write_observations(rows({"E10000034": (300, 500), "E06000001": (30, 90)}), upload(), rederive)
    r2, _ = store.write_observations(rows({"E10000034": (320, 500), "E06000002": (10, 20)}), upload(), rederive)
    assert len(_history(store)) == 1  # only the version r2 replaced
    r3, _, _ = store.rollback_revision(r2, "analyst", rederive)
    assert _versions(store, "E10000034") == [(r1, 60.0, False, "upload"), (r2, 64.0, False, "upload"),
                                              (r3, 60.0, False, "rollback")]
    assert _versions(store, "E06000002") == [(r2, 50.0, False, "upload"), (r3, None, True, "rollback")]
    assert _versions(store, "E06000001") == [(r1, round(100 / 3, 6), False, "upload")]
    r4, _, conflicts = store.rollback_revision(r3, "analyst", rederive)  # undo the undo
    assert conflicts == 1  # (as before schema 3: the removed cell is not current, so it is not restored)
    assert _versions(store, "E10000034")[-1] == (r4, 64.0, False, "rollback")
    assert _versions(store, "E06000002")[-1] == (r3, None, True, "rollback")
    current = store._query("SELECT area_code, value, revision_id FROM observations ORDER BY 1")
    assert current.to_dict("list") == {"area_code": ["E06000001", "E10000034"], "value": [30 / 90 * 100, 64.0],
                                       "revision_id": [r1, r4]}


def _store_as_schema_4(path, version="4"):
    """Rewrite a file of this schema as schema 4 kept it: the current versions in an observations table, the
    others and the tombstones in observation_history."""
    from metrics import store as store_module

    cols = ", ".join(store_module.OBS_COLUMNS)
    con = duckdb.connect(str(path))
    con.execute("DROP VIEW observations")
    con.execute("DROP VIEW observation_history")
    con.execute("CREATE TABLE observations " + store_module._OBSERVATIONS_DDL_V4)
    con.execute(f"INSERT INTO observations SELECT {cols}, revision_id FROM observation_versions "
                "WHERE replaced_by IS NULL AND NOT is_deleted")
    con.execute("CREATE TABLE observation_history " + store_module._HISTORY_DDL_V4)
    con.execute(f"INSERT INTO observation_history SELECT {cols}, revision_id, is_deleted FROM observation_versions "
                "WHERE replaced_by IS NOT NULL OR is_deleted")
    con.execute("DROP TABLE observation_versions")
    if version == "2":  # schema 2 kept every version in the history, the current ones included
        con.execute("INSERT INTO observation_history SELECT *, false FROM observations")
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [version])
    con.close()


def _all_versions(s):
    return s._query("SELECT * FROM observation_versions ORDER BY ALL")


@pytest.mark.parametrize("version", ["2", "4"])
def test_older_file_is_migrated_to_one_table_of_versions_as_it_would_have_written_them(tmp_path, rederive,
                                                                                       version):
    """Schema 2 kept the current version in observation_history too, schemas 3 and 4 only the earlier ones;
    schema 5 keeps every version in observation_versions, marked with the revision that replaced it. Opening an
    older file gives the table this code would have written, and cell_history and rollback work as before."""
    path = tmp_path / f"v{version}.duckdb"
    with Store(path) as s:
        with s.transaction() as cur:
            s.replace_areas(cur, areas_frame(load_geography()))
        s.write_observations(rows({"E10000034": (300, 500), "E06000001": (30, 90)}), upload(), rederive)
        r2, _ = s.write_observations(rows({"E10000034": (320, 500), "E06000002": (10, 20)}), upload(), rederive)
        r3, _, _ = s.rollback_revision(r2, "analyst", rederive)  # E06000002 removed: a tombstone
        s.write_observations(rows({"E06000002": (12, 20)}), upload(), rederive)  # written again after it
        versions_table = _all_versions(s)
        history = _history(s)
        versions = {a: _versions(s, a) for a in ("E10000034", "E06000001", "E06000002")}
    assert versions_table["is_deleted"].sum() == 1 and versions_table["replaced_by"].notna().sum() == 3
    _store_as_schema_4(path, version)
    with Store(path) as s:
        assert s.schema_version() == SCHEMA_VERSION
        pd.testing.assert_frame_equal(_all_versions(s), versions_table)
        pd.testing.assert_frame_equal(_history(s), history)
        assert {a: _versions(s, a) for a in versions} == versions
        _, summary, conflicts = s.rollback_revision(r3, "analyst", rederive)
        assert (summary.changed, conflicts) == (1, 1)  # E10000034 back to 64; E06000002 rewritten since
        current = s._query("SELECT area_code, value FROM observations ORDER BY 1")
        assert current.to_dict("list") == {"area_code": ["E06000001", "E06000002", "E10000034"],
                                           "value": [30 / 90 * 100, 60.0, 64.0]}


def test_rows_repeating_a_key_are_refused_and_nothing_is_written(store, rederive):
    store.write_observations(rows({"E10000034": (300, 500)}), upload(), rederive)
    fingerprint = store.export_fingerprint()
    twice = pd.concat([rows({"E10000025": (50, 100)}), rows({"E10000025": (60, 100)})], ignore_index=True)
    with pytest.raises(StoreError, match="repeat a metric, area, period and breakdown"):
        store.write_observations(twice, upload(), rederive)
    assert store.export_fingerprint() == fingerprint and len(store.revisions()) == 1


def test_keys_stay_unique_through_rewrites_and_rollbacks(store, rederive):
    r1, _ = store.write_observations(rows({"E10000034": (300, 500), "E10000025": (50, 100)}), upload(), rederive)
    store.write_observations(rows({"E10000034": (310, 500), "E06000060": (7, 70)}), upload(), rederive)
    store.write_observations(rows({"E10000034": (310, 500)}), upload(), rederive)  # unchanged
    store.rollback_revision(r1, "analyst", rederive)
    exported = store.export_rows()
    assert not exported.duplicated(["metric_key", "area_code", "period", "breakdown"]).any()
    derived = store._query("SELECT metric_key, area_code, period, breakdown FROM indicator_values")
    assert not derived.duplicated().any()


def test_write_derives_comparisons_and_records_a_revision(store, rederive):
    rid, summary = store.write_observations(
        rows({"E92000001": (4000, 10000), "E10000034": (300, 500), "E06000019": (10, 100)}), upload(), rederive)
    assert (summary.new, summary.changed, summary.unchanged) == (3, 0, 0)
    rev = store.revisions().iloc[0]
    assert rev.revision_id == rid and rev.author == "analyst" and rev.rows_new == 3
    v = store.latest_for_area("E10000034").set_index("metric_key").loc["continuity_of_care"]
    assert v.value == pytest.approx(60.0)
    assert v.lower95 < 60 < v.upper95  # limits filled with Wilson from count and denominator
    assert v.england_value == pytest.approx(40.0)
    assert v.compared_to_england == "Better"  # higher is better, CI entirely above England
    assert v.compared_to_goal == "Red"  # 60% misses the 75% target and the CI excludes it
    # the joint CDP footprint is aggregated from its two members: (300 + 10) / (500 + 100)
    fp = store.latest_for_area("CDP0001").set_index("metric_key").loc["continuity_of_care"]
    assert fp.value == pytest.approx(310 / 600 * 100)
    assert fp.is_aggregate and "2 of 2" in fp.aggregation_note


def test_preview_classifies_new_changed_unchanged(store, rederive):
    store.write_observations(rows({"E92000001": (4000, 10000), "E10000034": (300, 500)}), upload(), rederive)
    incoming = rows({"E92000001": (4000, 10000), "E10000034": (310, 500), "E10000025": (50, 100)})
    prev = store.preview(incoming).set_index("area_code")
    assert prev.loc["E92000001", "status"] == "unchanged"
    assert prev.loc["E10000034", "status"] == "changed"
    assert prev.loc["E10000034", "old_count"] == 300 and prev.loc["E10000034", "count"] == 310
    assert prev.loc["E10000025", "status"] == "new"


def test_rollback_restores_earlier_values_exactly(store, rederive):
    store.write_observations(rows({"E92000001": (4000, 10000), "E10000034": (300, 500)}), upload(), rederive)
    before = store.export_rows().drop(columns="revision_id")
    rid, _ = store.write_observations(
        rows({"E10000034": (320, 500), "E10000025": (50, 100)}), upload(), rederive)
    assert len(store.export_rows()) == 3
    _, summary, conflicts = store.rollback_revision(rid, "analyst", rederive)
    assert (summary.changed, summary.removed, conflicts) == (1, 1, 0)
    after = store.export_rows().drop(columns="revision_id")
    pd.testing.assert_frame_equal(before, after)
    actions = store.revisions()["action"].tolist()
    assert actions[0] == "rollback"
    # the derived table follows: Oxfordshire is gone, Worcestershire is back to 60%
    assert store.latest_for_area("E10000025").empty
    assert store.latest_for_area("E10000034").iloc[0].value == pytest.approx(60.0)


def test_rollback_keeps_cells_changed_by_a_later_revision(store, rederive):
    r1, _ = store.write_observations(rows({"E10000034": (300, 500)}), upload(), rederive)
    r2, _ = store.write_observations(rows({"E10000034": (320, 500)}), upload(), rederive)
    _, summary, conflicts = store.rollback_revision(r1, "analyst", rederive)
    assert conflicts == 1 and summary.removed == 0
    assert store.export_rows().iloc[0]["count"] == 320


def test_rollback_of_unknown_or_build_revision_is_refused(store, rederive):
    with pytest.raises(StoreError, match="does not exist"):
        store.rollback_revision(42, "analyst", rederive)
    store.write_observations(rows({"E10000034": (300, 500)}),
                             RevisionInfo(author="build", action="build"), rederive)
    with pytest.raises(StoreError, match="initial build"):
        store.rollback_revision(1, "analyst", rederive)


def test_failed_write_leaves_store_exactly_as_before(store, rederive):
    store.write_observations(rows({"E10000034": (300, 500)}), upload(), rederive)
    fingerprint = store.export_fingerprint()
    n_revisions = len(store.revisions())
    bad = rows({"E10000025": (50, 100)})
    bad.loc[0, "count"] = -1  # violates CHECK (count >= 0)
    with pytest.raises(duckdb.ConstraintException):
        store.write_observations(bad, upload(), rederive)
    assert store.export_fingerprint() == fingerprint
    assert len(store.revisions()) == n_revisions


def test_a_failure_while_the_rows_are_inserted_leaves_the_store_as_before(store, rederive):
    """The observations are inserted in a worker thread while the derivation runs (PendingInsert): a derivation
    that fails meanwhile waits for the insert, then the whole write rolls back and the store stays usable."""
    store.write_observations(rows({"E10000034": (300, 500)}), upload(), rederive)
    fingerprint, n_revisions = store.export_fingerprint(), len(store.revisions())

    def failing_rederive(cur, metric_keys, pending=None):
        def derive():
            raise RuntimeError("derivation failed")
        pending.insert_while(derive)

    with pytest.raises(RuntimeError, match="derivation failed"):
        store.write_observations(rows({"E10000034": (310, 500), "E10000025": (50, 100)}), upload(),
                                 failing_rederive)
    assert store.export_fingerprint() == fingerprint
    assert len(store.revisions()) == n_revisions
    store.write_observations(rows({"E10000025": (50, 100)}), upload(), rederive)
    assert store.count_observations() == 2


def test_derived_values_are_the_same_in_one_batch_or_one_per_metric(tmp_path, rederive, monkeypatch):
    """The first batch derives from the rows still being inserted, later ones read them back from the table."""
    from metrics import derive

    def write(path):
        s = Store(path)
        with s.transaction() as cur:
            s.replace_areas(cur, areas_frame(load_geography()))
        s.write_observations(rows({"E92000001": (4000, 10000), "E10000034": (300, 500)}), upload(), rederive)
        s.write_observations(pd.concat([
            rows({"E92000001": (4100, 10000), "E10000034": (310, 500), "E06000019": (30, 90)}),
            rows({"E92000001": (900, 10000), "E10000034": (40, 500)}, metric="treatment_progress"),
        ], ignore_index=True), upload(), rederive)
        out = s._query("SELECT * EXCLUDE (revision_id) FROM indicator_values ORDER BY ALL")
        s.close()
        return out

    one_batch = write(tmp_path / "one.duckdb")
    monkeypatch.setattr(derive, "BATCH_ROWS", 1)
    per_metric = write(tmp_path / "many.duckdb")
    assert len(one_batch) > 5 and set(one_batch.metric_key) == {"continuity_of_care", "treatment_progress"}
    pd.testing.assert_frame_equal(per_metric, one_batch)


def test_pending_rows_read_for_derive_as_they_read_once_inserted(store, rederive):
    """rederive's first batch reads the rows being inserted from the frame (joined with areas and periods in
    Arrow); that must give what reading them back from the table gives, row for row and type for type."""
    from metrics.store import PendingInsert, periods_frame

    store.write_observations(rows({"E92000001": (4000, 10000), "E10000034": (300, 500)}), upload(), rederive)
    incoming = pd.concat([
        rows({"E10000025": (50, 100), "E06000019": (30, 90)}, period="2023/24"),
        rows({"E10000034": (40, 500), "X99999999": (1, 2)}, metric="treatment_progress"),  # X: no such area
    ], ignore_index=True)
    incoming.loc[0, "value_note"] = "a note"
    for as_categories in (False, True):  # an upload's text columns are categories; a build's are not
        frame = incoming.astype({c: "category" for c in ("metric_key", "area_code", "period", "source")}) \
            if as_categories else incoming
        keys = ["continuity_of_care", "treatment_progress"]
        with pytest.raises(RuntimeError, match="compare, then roll back"):
            with store.transaction() as cur:
                store.upsert_periods(cur, periods_frame(frame["period"].unique()))
                pending = PendingInsert(cur, frame, 7)
                from_frame = Store.read_observations_for_derive(cur, keys, pending)
                pending.insert()
                from_table = Store.read_observations_for_derive(cur, keys)
                raise RuntimeError("compare, then roll back")
        assert len(from_frame) == 5 and "X99999999" not in set(from_frame.area_code)
        # (in any order: a join promises none, and derive_frame does not depend on it, as test_derive shows)
        key = ["metric_key", "area_code", "period", "breakdown"]
        pd.testing.assert_frame_equal(from_frame.sort_values(key).reset_index(drop=True),
                                      from_table.sort_values(key).reset_index(drop=True))


def test_missing_value_stays_missing_with_its_note(store, rederive):
    df = rows({"E10000034": (300, 500)})
    df.loc[0, ["value", "count", "denominator"]] = np.nan
    df.loc[0, "value_note"] = "Value suppressed for disclosure control due to small count"
    store.write_observations(df, upload(), rederive)
    v = store.latest_for_area("E10000034").iloc[0]
    assert np.isnan(v.value) and v.value_note.startswith("Value suppressed")
    assert v.compared_to_england == "Not compared" and v.recent_trend == "Cannot be calculated"


def test_readers_are_served_from_other_threads_during_writes(store, rederive):
    store.write_observations(rows({"E92000001": (4000, 10000)}), upload(), rederive)
    errors, reads = [], []

    def reader():
        try:
            for _ in range(30):
                reads.append(len(store.series("continuity_of_care", ["E92000001"])))
        except Exception as exc:  # pragma: no cover - a failure is recorded and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for n in range(5):
        store.write_observations(rows({"E10000034": (300 + n, 500)}), upload(), rederive)
    for t in threads:
        t.join()
    assert errors == [] and len(reads) == 90 and set(reads) == {1}


def test_constraints_reject_impossible_rows(store):
    with pytest.raises(duckdb.ConstraintException):
        with store.transaction() as cur:
            cur.execute("INSERT INTO periods VALUES ('x', 'fortnight', DATE '2020-01-01', DATE '2020-01-14', 1, 2020)")
    with pytest.raises(duckdb.ConstraintException):
        with store.transaction() as cur:
            cur.execute("INSERT INTO observation_versions (metric_key, area_code, period, breakdown, value, lower95, "
                        "upper95, source, is_demo, revision_id) VALUES ('m', 'a', 'p', 'Total', 1, 5, 2, 's', false, 1)")
    with pytest.raises(duckdb.ConstraintException, match="CHECK"):  # a current version without its source
        with store.transaction() as cur:
            cur.execute("INSERT INTO observation_versions (metric_key, area_code, period, value, is_demo, "
                        "revision_id) VALUES ('m', 'a', 'p', 1, false, 1)")
    with store.transaction() as cur:  # a tombstone needs none
        cur.execute("INSERT INTO observation_versions (metric_key, area_code, period, revision_id, is_deleted) "
                    "VALUES ('m', 'a', 'p', 1, true)")


def test_derived_frames_are_not_held_until_the_transaction_ends(store, rederive):
    """DuckDB keeps a registered DataFrame alive until COMMIT; replace_derived streams it instead, so a commit
    that derives many batches holds one batch at a time (a million-row upload: 1.25 GB -> 0.85 GB measured)."""
    import gc
    import weakref

    store.write_observations(rows({"E92000001": (4000, 10000), "E10000034": (300, 500)}), upload(), rederive)
    derived = store._query("SELECT * FROM indicator_values")
    alive, n = weakref.ref(derived), len(derived)
    assert n >= 2
    with store.transaction() as cur:
        Store.replace_derived(cur, ["continuity_of_care"], derived)
        del derived
        gc.collect()
        assert alive() is None
        assert cur.execute("SELECT count(*) FROM indicator_values").fetchall()[0][0] == n


def test_sort_order_matches_duckdb_order_by():
    """replace_derived sorts the rows itself (integer ranks) instead of an ORDER BY in the INSERT: the same order,
    with text compared by its bytes and missing values last."""
    from metrics.store import _sort_order

    frame = pd.DataFrame({
        "area_code": ["E2", "E1", None, "E1", "e1", "E1", "Ä", "E1"],
        "metric_key": ["m", "m", "m", "a", "m", "m", "m", None],
        "breakdown": ["Total", "Total", "Total", "Total", "Total", "Age 18-24", "Total", "Total"],
        "period_sortable": [3, 2, 1, 5, 4, 7, 1, 2],
    }).astype({"area_code": "string", "metric_key": "string", "breakdown": "string"})
    con = duckdb.connect()
    con.register("f", frame.reset_index())
    expected = [r[0] for r in con.execute(
        "SELECT index FROM f ORDER BY area_code, metric_key, breakdown, period_sortable").fetchall()]
    assert _sort_order(frame, ["area_code", "metric_key", "breakdown", "period_sortable"]).tolist() == expected


def test_derived_rows_are_stored_clustered_by_area(store, rederive):
    """The page queries rely on indicator_values being stored in area order (zone maps skip row groups)."""
    store.write_observations(rows({"E92000001": (4000, 10000), "E10000034": (300, 500), "E06000001": (30, 90)}),
                             upload(), rederive)
    store.write_observations(rows({"E10000034": (320, 500), "E06000001": (31, 90)}, period="2021/22"),
                             upload(), rederive)
    key = "area_code, metric_key, breakdown, period_sortable"
    stored = store._query(f"SELECT {key} FROM indicator_values")  # storage order
    assert len(stored) > 6
    pd.testing.assert_frame_equal(stored, store._query(f"SELECT {key} FROM indicator_values ORDER BY {key}"))


def test_comparison_labels_are_stored_as_enums_and_read_as_text(tmp_path, rederive):
    """Schema 4 stores the comparison and trend labels as ENUMs; a version 3 file (VARCHAR) is converted on
    open, and the page queries return the same text columns either way."""
    from metrics import stats
    from metrics.store import _LABEL_COLUMNS

    path = tmp_path / "v3.duckdb"
    with Store(path) as s:
        with s.transaction() as cur:
            s.replace_areas(cur, areas_frame(load_geography()))
        s.write_observations(rows({"E92000001": (4000, 10000), "E10000034": (300, 500), "E06000001": (30, 90)}),
                             upload(), rederive)
        before = s.latest_for_areas(["E92000001", "E10000034", "E06000001"])
        kinds = s._query("SELECT column_name, data_type FROM information_schema.columns "
                         "WHERE table_name = 'indicator_values'").set_index("column_name")["data_type"]
        assert all(kinds[c].startswith("ENUM") for c in _LABEL_COLUMNS)
    for c in _LABEL_COLUMNS:
        assert pd.api.types.is_string_dtype(before[c]) and not isinstance(before[c].dtype, pd.CategoricalDtype)
    assert set(before["compared_to_england"]) <= set(stats.COMPARE_LABELS) and len(before) >= 3
    _store_as_schema_4(path, version="3")
    con = duckdb.connect(str(path))  # the labels as schema 3 stored them
    for c in _LABEL_COLUMNS:
        con.execute(f"ALTER TABLE indicator_values ALTER {c} TYPE VARCHAR")
    con.close()
    with Store(path) as s:
        assert s.schema_version() == SCHEMA_VERSION
        after = s.latest_for_areas(["E92000001", "E10000034", "E06000001"])
        order = ["metric_key", "area_code"]  # (the query has no ORDER BY)
        pd.testing.assert_frame_equal(after.sort_values(order, ignore_index=True),
                                      before.sort_values(order, ignore_index=True))
        s.write_observations(rows({"E10000034": (320, 500)}), upload(), rederive)
        assert len(s.latest_for_areas(["E10000034"])) == 1


def test_stores_on_one_file_share_it_and_close_it_with_the_last(tmp_path):
    """The file is attached once per process (DuckDB refuses a second attach): Stores on it share the database,
    a read-only Store may join one that writes, and the file is released when the last Store closes."""
    path = tmp_path / "shared.duckdb"
    first, second = Store(path), Store(path)
    reader = Store(path, read_only=True)
    with first.transaction() as cur:
        cur.execute("INSERT INTO meta VALUES ('probe', 'seen')")
    assert second.get_meta("probe") == reader.get_meta("probe") == "seen"
    with pytest.raises(StoreError, match="read-only"):
        with reader.transaction():
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
    with Store(path, read_only=True):
        with pytest.raises(StoreError, match="open read-only"):
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
