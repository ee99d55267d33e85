"""metrics.store.writes on a real file: revisions, rollback, the derived rows, failures, threads."""

import threading

import duckdb
import numpy as np
import pandas as pd
import pytest

from metrics import derive
from metrics.areas import load_geography
from metrics.build import areas_frame
from metrics.ingest.pipeline import rollback, write_revision
from metrics.store import RevisionInfo, Store, StoreError
from tests.metrics.store.helpers import CONSTRAINT_ERRORS, rows, upload


def test_rows_repeating_a_key_are_refused_and_nothing_is_written(store):
    write_revision(store, rows({"E10000034": (300, 500)}), upload())
    fingerprint = store.export_fingerprint()
    twice = pd.concat([rows({"E10000025": (50, 100)}), rows({"E10000025": (60, 100)})], ignore_index=True)
    with pytest.raises(StoreError, match="repeat a metric, area, period and breakdown"):
        write_revision(store, twice, upload())
    assert store.export_fingerprint() == fingerprint and len(store.revisions()) == 1


def test_keys_stay_unique_through_rewrites_and_rollbacks(store):
    r1, _ = write_revision(store, rows({"E10000034": (300, 500), "E10000025": (50, 100)}), upload())
    write_revision(store, rows({"E10000034": (310, 500), "E06000060": (7, 70)}), upload())
    write_revision(store, rows({"E10000034": (310, 500)}), upload())  # unchanged
    rollback(store, r1, "analyst")
    exported = store.export_rows()
    assert not exported.duplicated(["metric_key", "area_code", "period", "breakdown"]).any()
    derived = store._query("SELECT metric_key, area_code, period, breakdown FROM indicator_values")
    assert not derived.duplicated().any()


def test_write_derives_comparisons_and_records_a_revision(store):
    rid, summary = write_revision(
        store, rows({"E92000001": (4000, 10000), "E10000034": (300, 500), "E06000019": (10, 100)}), upload()
    )
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


def test_rollback_restores_earlier_values_exactly(store):
    write_revision(store, rows({"E92000001": (4000, 10000), "E10000034": (300, 500)}), upload())
    before = store.export_rows().drop(columns="revision_id")
    rid, _ = write_revision(store, rows({"E10000034": (320, 500), "E10000025": (50, 100)}), upload())
    assert len(store.export_rows()) == 3
    _, summary, conflicts = rollback(store, rid, "analyst")
    assert (summary.changed, summary.removed, conflicts) == (1, 1, 0)
    after = store.export_rows().drop(columns="revision_id")
    pd.testing.assert_frame_equal(before, after)
    actions = store.revisions()["action"].tolist()
    assert actions[0] == "rollback"
    # the derived table follows: Oxfordshire is gone, Worcestershire is back to 60%
    assert store.latest_for_area("E10000025").empty
    assert store.latest_for_area("E10000034").iloc[0].value == pytest.approx(60.0)


def test_rollback_keeps_cells_changed_by_a_later_revision(store):
    r1, _ = write_revision(store, rows({"E10000034": (300, 500)}), upload())
    write_revision(store, rows({"E10000034": (320, 500)}), upload())
    _, summary, conflicts = rollback(store, r1, "analyst")
    assert conflicts == 1 and summary.removed == 0
    assert store.export_rows().iloc[0]["count"] == 320


def test_rollback_of_unknown_or_build_revision_is_refused(store):
    with pytest.raises(StoreError, match="does not exist"):
        rollback(store, 42, "analyst")
    write_revision(store, rows({"E10000034": (300, 500)}), RevisionInfo(author="build", action="build"))
    with pytest.raises(StoreError, match="initial build"):
        rollback(store, 1, "analyst")


def test_failed_write_leaves_store_exactly_as_before(store):
    write_revision(store, rows({"E10000034": (300, 500)}), upload())
    fingerprint = store.export_fingerprint()
    n_revisions = len(store.revisions())
    bad = rows({"E10000025": (50, 100)})
    bad.loc[0, "count"] = -1  # violates CHECK (count >= 0)
    with pytest.raises(CONSTRAINT_ERRORS):
        write_revision(store, bad, upload())
    assert store.export_fingerprint() == fingerprint
    assert len(store.revisions()) == n_revisions


def test_a_failure_while_the_rows_are_inserted_leaves_the_store_as_before(store):
    """The observations are inserted in a worker thread while the first batch is derived: a derivation that fails
    meanwhile waits for the insert, then the whole write rolls back and the store stays usable."""
    write_revision(store, rows({"E10000034": (300, 500)}), upload())
    fingerprint, n_revisions = store.export_fingerprint(), len(store.revisions())

    with pytest.raises(RuntimeError, match="derivation failed"), store.write(upload()) as tx:
        tx.write_observations(rows({"E10000034": (310, 500), "E10000025": (50, 100)}))
        for keys in tx.derive_batches(derive.BATCH_ROWS):
            tx.rows_for_derive(keys)  # starts the insert
            raise RuntimeError("derivation failed")
    assert store.export_fingerprint() == fingerprint
    assert len(store.revisions()) == n_revisions
    write_revision(store, rows({"E10000025": (50, 100)}), upload())
    assert store.count_observations() == 2


def test_derived_values_are_the_same_in_one_batch_or_one_per_metric(tmp_path, monkeypatch):
    """The first batch derives from the rows still being inserted, later ones read them back from the table."""

    def write(path):
        s = Store(path)
        with s.transaction() as cur:
            s.replace_areas(cur, areas_frame(load_geography()))
        write_revision(s, rows({"E92000001": (4000, 10000), "E10000034": (300, 500)}), upload())
        write_revision(
            s,
            pd.concat(
                [
                    rows({"E92000001": (4100, 10000), "E10000034": (310, 500), "E06000019": (30, 90)}),
                    rows({"E92000001": (900, 10000), "E10000034": (40, 500)}, metric="treatment_progress"),
                ],
                ignore_index=True,
            ),
            upload(),
        )
        out = s._query("SELECT * EXCLUDE (revision_id) FROM indicator_values ORDER BY ALL")
        s.close()
        return out

    one_batch = write(tmp_path / "one.duckdb")
    monkeypatch.setattr(derive, "BATCH_ROWS", 1)
    per_metric = write(tmp_path / "many.duckdb")
    assert len(one_batch) > 5 and set(one_batch.metric_key) == {"continuity_of_care", "treatment_progress"}
    pd.testing.assert_frame_equal(per_metric, one_batch)


def test_pending_rows_read_for_derive_as_they_read_once_inserted(store):
    """The first batch reads the rows being inserted from the frame (joined with areas and periods in Arrow);
    that must give what reading them back from the table gives, row for row and type for type."""
    write_revision(store, rows({"E92000001": (4000, 10000), "E10000034": (300, 500)}), upload())
    incoming = pd.concat(
        [
            rows({"E10000025": (50, 100), "E06000019": (30, 90)}, period="2023/24"),
            rows({"E10000034": (40, 500), "X99999999": (1, 2)}, metric="treatment_progress"),  # X: no such area
        ],
        ignore_index=True,
    )
    incoming.loc[0, "value_note"] = "a note"
    for as_categories in (False, True):  # an upload's text columns are categories; a build's are not
        frame = (
            incoming.astype({c: "category" for c in ("metric_key", "area_code", "period", "source")})
            if as_categories
            else incoming
        )
        keys = ["continuity_of_care", "treatment_progress"]
        with pytest.raises(RuntimeError, match="compare, then roll back"), store.write(upload()) as tx:
            tx.write_observations(frame)
            from_frame = tx.rows_for_derive(keys)  # then inserts them
            from_table = tx.rows_for_derive(keys)
            raise RuntimeError("compare, then roll back")
        assert len(from_frame) == 5 and "X99999999" not in set(from_frame.area_code)
        # (in any order: a join promises none, and derive_frame does not depend on it, as test_derive shows)
        key = ["metric_key", "area_code", "period", "breakdown"]
        pd.testing.assert_frame_equal(
            from_frame.sort_values(key).reset_index(drop=True), from_table.sort_values(key).reset_index(drop=True)
        )


def test_missing_value_stays_missing_with_its_note(store):
    df = rows({"E10000034": (300, 500)})
    df.loc[0, ["value", "count", "denominator"]] = np.nan
    df.loc[0, "value_note"] = "Value suppressed for disclosure control due to small count"
    write_revision(store, df, upload())
    v = store.latest_for_area("E10000034").iloc[0]
    assert np.isnan(v.value) and v.value_note.startswith("Value suppressed")
    assert v.compared_to_england == "Not compared" and v.recent_trend == "Cannot be calculated"


def test_readers_are_served_from_other_threads_during_writes(store):
    write_revision(store, rows({"E92000001": (4000, 10000)}), upload())
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
        write_revision(store, rows({"E10000034": (300 + n, 500)}), upload())
    for t in threads:
        t.join()
    assert errors == [] and len(reads) == 90 and set(reads) == {1}


def test_derived_frames_are_not_held_until_the_transaction_ends(store):
    """DuckDB keeps a registered DataFrame alive until COMMIT; replace_derived streams it instead, so a commit
    that derives many batches holds one batch at a time (a million-row upload: 1.25 GB -> 0.85 GB measured)."""
    import gc
    import weakref

    write_revision(store, rows({"E92000001": (4000, 10000), "E10000034": (300, 500)}), upload())
    derived = store._query("SELECT * FROM indicator_values")
    alive, n = weakref.ref(derived), len(derived)
    assert n >= 2
    with store.write(upload()) as tx:
        tx.replace_derived(["continuity_of_care"], derived)
        del derived
        gc.collect()
        assert alive() is None
        assert tx._cur.execute("SELECT count(*) FROM indicator_values").fetchall()[0][0] == n


def test_sort_order_matches_duckdb_order_by():
    """replace_derived sorts the rows itself (integer ranks) instead of an ORDER BY in the INSERT: the same order,
    with text compared by its bytes and missing values last."""
    from metrics.store.writes import sort_order as _sort_order

    frame = pd.DataFrame(
        {
            "area_code": ["E2", "E1", None, "E1", "e1", "E1", "Ä", "E1"],
            "metric_key": ["m", "m", "m", "a", "m", "m", "m", None],
            "breakdown": ["Total", "Total", "Total", "Total", "Total", "Age 18-24", "Total", "Total"],
            "period_sortable": [3, 2, 1, 5, 4, 7, 1, 2],
        }
    ).astype({"area_code": "string", "metric_key": "string", "breakdown": "string"})
    con = duckdb.connect()
    con.register("f", frame.reset_index())
    expected = [
        r[0]
        for r in con.execute(
            "SELECT index FROM f ORDER BY area_code, metric_key, breakdown, period_sortable"
        ).fetchall()
    ]
    assert _sort_order(frame, ["area_code", "metric_key", "breakdown", "period_sortable"]).tolist() == expected


def test_derived_rows_are_stored_clustered_by_area(store):
    """The page queries rely on indicator_values being stored in area order (zone maps skip row groups)."""
    write_revision(store, rows({"E92000001": (4000, 10000), "E10000034": (300, 500), "E06000001": (30, 90)}), upload())
    write_revision(store, rows({"E10000034": (320, 500), "E06000001": (31, 90)}, period="2021/22"), upload())
    key = "area_code, metric_key, breakdown, period_sortable"
    stored = store._query(f"SELECT {key} FROM indicator_values")  # storage order
    assert len(stored) > 6
    pd.testing.assert_frame_equal(stored, store._query(f"SELECT {key} FROM indicator_values ORDER BY {key}"))
