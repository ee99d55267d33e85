"""Issue 15 item 6: a source-only change is "description changed", not "changed"; area names in the preview and
the problems; one message per bad cell; a revision rolled back once cannot be rolled back again."""

from __future__ import annotations

import subprocess
import sys

import pytest

from metrics.ingest.pipeline import DESCRIPTION_CHANGED, commit, prepare, preview, rollback, rollback_plan
from metrics.store import Store, StoreError

# The published Fingertips figure for Worcestershire 2018/19 (data/published_values.csv), with another source.
SOURCE_ONLY = (
    "metric_key,area_code,period,breakdown,value,lower95,upper95,count,denominator,source\n"
    "unmet_need_ocu,E10000034,2018/19,Total,54.61674677,40.64516129,64.13076077,1439.333333,"
    "2635.333333,Re-issued by the county's analyst\n"
)
VALUE_CHANGE = "metric_key,area_code,period,value,lower95,upper95\nunmet_need_ocu,E10000034,2019/20,60,50,70\n"


def test_a_source_only_change_is_listed_as_description_changed(db, tmp_path):
    path = tmp_path / "source_only.csv"
    path.write_text(SOURCE_ONLY, encoding="utf-8")
    prepared = prepare(path)
    assert prepared.ok, prepared.problems
    with Store(db) as store:
        summary, table = preview(store, prepared)
        changes = store.preview_changes(prepared.rows)
        assert (summary.new, summary.changed, summary.described, summary.unchanged) == (0, 0, 1, 0)
        assert table.to_dict("records") == [
            {
                "metric_key": "unmet_need_ocu",
                "area_code": "E10000034",
                "area_name": "Worcestershire",
                "new": 0,
                "changed": 0,
                DESCRIPTION_CHANGED: 1,
                "unchanged": 0,
            }
        ]
        row = changes.iloc[0]
        assert row.status == DESCRIPTION_CHANGED and row.area_name == "Worcestershire"
        assert row.old_value == pytest.approx(54.61674677) and row.value == pytest.approx(54.61674677)
        assert row.old_source == "OHID Fingertips, Public Health Profiles, indicator 93517 (download)"  # a citation
        assert row.source == "Re-issued by the county's analyst"
        _rid, written = commit(store, prepared, author="test")
        assert (written.new, written.changed, written.described, written.unchanged) == (0, 0, 1, 0)


def test_a_value_change_is_changed(db, tmp_path):
    path = tmp_path / "value.csv"
    path.write_text(VALUE_CHANGE, encoding="utf-8")
    with Store(db) as store:
        summary, _ = preview(store, prepare(path))
    assert (summary.new, summary.changed, summary.described, summary.unchanged) == (0, 1, 0, 0)


def test_problems_carry_area_names_and_one_message_per_cell(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("metric_key,area_code,period,value\nunmet_need_ocu,E10000034,2019/20,12%\n", encoding="utf-8")
    problems = prepare(path).problems
    assert problems[["row", "area", "column", "severity"]].astype(str).values.tolist() == [
        ["2", "E10000034 Worcestershire", "value", "error"]
    ]
    assert "will be stored as a missing value" not in " ".join(problems["message"])


def test_rollback_twice_is_refused_and_records_nothing(db, tmp_path):
    path = tmp_path / "value.csv"
    path.write_text(VALUE_CHANGE, encoding="utf-8")
    with Store(db) as store:
        rid, _ = commit(store, prepare(path), author="test")
        plan = rollback_plan(store, rid)
        assert plan.refused is None and (plan.restored, plan.removed, plan.kept) == (1, 0, 0)
        assert plan.description == "Upload of value.csv (template)"
        cell = plan.cells.iloc[0]
        assert (cell.area_name, cell.current_value, cell.action) == ("Worcestershire", 60.0, "restore")
        undo_rid, summary, kept = rollback(store, rid, author="test")
        assert (summary.changed, summary.removed, kept) == (1, 0, 0)
        revisions = store.revisions().set_index("revision_id")
        assert revisions.loc[undo_rid, "description"] == f"Rollback of revision {rid}"
        assert revisions.loc[rid, "rolled_back_by"] == undo_rid
        assert not revisions["description"].isna().any()
        n_revisions = len(revisions)
        assert rollback_plan(store, rid).refused == (
            f"revision {rid} was already rolled back by revision {undo_rid}; there is nothing left to undo"
        )
        with pytest.raises(StoreError, match=f"already rolled back by revision {undo_rid}"):
            rollback(store, rid, author="test")
        assert len(store.revisions()) == n_revisions  # no empty revision


def test_cli_refuses_a_second_rollback_with_exit_2(db, tmp_path):
    path = tmp_path / "value.csv"
    path.write_text(VALUE_CHANGE, encoding="utf-8")
    with Store(db) as store:
        rid, _ = commit(store, prepare(path), author="test")
    cmd = [sys.executable, "-m", "metrics", "rollback", str(rid), "--db", str(db)]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    second = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert second.returncode == 2
    assert f"revision {rid} was already rolled back by revision {rid + 1}" in second.stderr
    with Store(db) as store:
        assert store.revisions()["revision_id"].max() == rid + 1
