"""metrics.store.reads: a cell's history across revisions and the preview of an upload."""

import pandas as pd

from metrics.ingest.pipeline import rollback, write_revision
from tests.metrics.store.helpers import cell_versions, rows, stored_history, upload


def test_cell_history_lists_every_version_across_uploads_and_rollbacks(store):
    """observation_history holds the versions that are no longer current (schema 3); cell_history shows them
    with the current one, as when the history held every version."""
    r1, _ = write_revision(store, rows({"E10000034": (300, 500), "E06000001": (30, 90)}), upload())
    r2, _ = write_revision(store, rows({"E10000034": (320, 500), "E06000002": (10, 20)}), upload())
    assert len(stored_history(store)) == 1  # only the version r2 replaced
    r3, _, _ = rollback(store, r2, "analyst")
    assert cell_versions(store, "E10000034") == [
        (r1, 60.0, False, "upload"),
        (r2, 64.0, False, "upload"),
        (r3, 60.0, False, "rollback"),
    ]
    assert cell_versions(store, "E06000002") == [(r2, 50.0, False, "upload"), (r3, None, True, "rollback")]
    assert cell_versions(store, "E06000001") == [(r1, round(100 / 3, 6), False, "upload")]
    r4, _, conflicts = rollback(store, r3, "analyst")  # undo the undo
    assert conflicts == 1  # (as before schema 3: the removed cell is not current, so it is not restored)
    assert cell_versions(store, "E10000034")[-1] == (r4, 64.0, False, "rollback")
    assert cell_versions(store, "E06000002")[-1] == (r3, None, True, "rollback")
    current = store._query("SELECT area_code, value, revision_id FROM observations ORDER BY 1")
    assert current.to_dict("list") == {
        "area_code": ["E06000001", "E10000034"],
        "value": [30 / 90 * 100, 64.0],
        "revision_id": [r1, r4],
    }


def test_cell_histories_are_each_cells_history_in_one_read(store):
    write_revision(store, rows({"E10000034": (300, 500), "E06000001": (30, 90)}), upload())
    r2, _ = write_revision(store, rows({"E10000034": (320, 500), "E06000002": (10, 20)}), upload())
    rollback(store, r2, "analyst")
    write_revision(store, rows({"E10000034": (1, 2)}, period="2023/24"), upload())
    write_revision(store, rows({"E10000034": (5, 10)}, metric="ocu_prevalence"), upload())
    metrics = ("continuity_of_care", "ocu_prevalence")
    areas = ("E10000034", "E06000001", "E06000002", "E10000025")
    cells = [(m, a, p) for m in metrics for a in areas for p in ("2022/23", "2023/24")]
    together = store.cell_histories(list(metrics), list(areas), ["2022/23", "2023/24"])
    versions = 0
    for metric, area, period in cells:
        alone = store.cell_history(metric, area, period)
        part = together[
            (together["metric_key"] == metric) & (together["area_code"] == area) & (together["period"] == period)
        ].reset_index(drop=True)
        # (the same values; a column's type may differ where one read's answer has more rows to infer it from)
        pd.testing.assert_frame_equal(part, alone, check_dtype=False)
        versions += len(alone)
    # nothing else; E10000034 in 2022/23 alone has three versions of continuity_of_care
    assert len(together) == versions and versions >= 7
    assert list(together["metric_key"]) == sorted(together["metric_key"])  # by metric first


def test_series_of_metrics_is_each_metrics_series_in_one_read(store):
    for metric in ("continuity_of_care", "ocu_prevalence"):
        for period, count in (("2021/22", 200), ("2022/23", 300)):
            write_revision(
                store, rows({"E92000001": (count * 10, 10000), "E10000034": (count, 500)}, metric, period), upload()
            )
    areas = ["E10000034", "E92000001", "E10000025"]
    together = store.series_of_metrics(["continuity_of_care", "ocu_prevalence", "no_such_metric"], areas)
    for metric in ("continuity_of_care", "ocu_prevalence"):
        alone = store.series(metric, areas)
        part = together[together["metric_key"] == metric].reset_index(drop=True)
        pd.testing.assert_frame_equal(part, alone)
        assert len(alone) == 4
    assert len(together) == 8


def test_latest_level_values_real_only_leaves_out_the_demonstration_values_of_the_same_periods(store):
    real = rows({"E92000001": (4000, 10000), "E10000034": (300, 500)})
    write_revision(store, real, upload())
    demo = rows({"E10000025": (50, 100), "E06000001": (30, 90)}).assign(is_demo=True)
    write_revision(store, demo, upload())
    every = store.latest_level_values("utla")
    real_only = store.latest_level_values("utla", real_only=True)
    assert set(every["area_code"]) == {"E10000034", "E10000025", "E06000001"}
    assert list(real_only.columns) == list(every.columns)
    assert real_only.to_dict("records") == every[every["area_code"] == "E10000034"].to_dict("records")


def test_preview_classifies_new_changed_unchanged(store):
    write_revision(store, rows({"E92000001": (4000, 10000), "E10000034": (300, 500)}), upload())
    incoming = rows({"E92000001": (4000, 10000), "E10000034": (310, 500), "E10000025": (50, 100)})
    prev = store.preview(incoming).set_index("area_code")
    assert prev.loc["E92000001", "status"] == "unchanged"
    assert prev.loc["E10000034", "status"] == "changed"
    assert prev.loc["E10000034", "old_count"] == 300 and prev.loc["E10000034", "count"] == 310
    assert prev.loc["E10000025", "status"] == "new"
