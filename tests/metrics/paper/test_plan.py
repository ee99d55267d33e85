"""The delivery plan by file: template round trip, every validation error at once, versioned writes, rollback and
history, and typed markup kept inert in every file written. On a real DuckDB file and a real PostgreSQL database."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from metrics.areas import default_geography
from metrics.catalogue import default_catalogue
from metrics.ingest.pipeline import rollback
from metrics.paper.edits import import_plan, plan_changes
from metrics.paper.plan import (
    PLAN_FILE_COLUMNS,
    export_frame,
    plan_csv,
    plan_xlsx,
    prepare_plan,
    template_csv,
    template_xlsx,
)
from metrics.store.narrative import PLAN_ACTIONS

WORCS, DUDLEY = "E10000034", "E08000027"
TRICKY = "  Two spaces, a tab\tand a line\nbreak; <b>bold</b> **strong** [link](http://example.org) café – ✓ "


def plan_rows(**changes) -> pd.DataFrame:
    rows = pd.DataFrame(
        [
            {
                "area_code": WORCS,
                "priority": "Treatment",
                "action": "Marketing campaign to bring people into treatment",
                "lead": "Public Health, Worcestershire County Council",
                "partners": "Cranstoun; primary care",
                "start_date": "2023-04-01",
                "due_date": "2024-03-31",
                "status": "On track",
                "latest_update": "Numbers in treatment restored to 2,006.",
                "metric_keys": "numbers_in_treatment; adults_in_drug_treatment_rate",
                "action_id": "",
            },
            {
                "area_code": WORCS,
                "priority": "Recovery",
                "action": TRICKY,
                "lead": "Recovery network",
                "partners": "",
                "start_date": "01/06/2023",
                "due_date": "",
                "status": "not started",
                "latest_update": "",
                "metric_keys": "",
                "action_id": "",
            },
        ],
        columns=PLAN_FILE_COLUMNS,
    )
    for column, value in changes.items():
        rows[column] = value
    return rows


def raw_csv(rows: pd.DataFrame) -> bytes:
    """A file as someone may write it, formulas and all (plan_csv would neutralise them)."""
    return rows.to_csv(index=False).encode()


def prepare(store, data: bytes, name: str = "plan.csv", may_write=None):
    return prepare_plan(
        data, name, default_catalogue(), default_geography(), store.narrative(PLAN_ACTIONS), may_write=may_write
    )


def stored_plan(store) -> pd.DataFrame:
    return export_frame(store.narrative(PLAN_ACTIONS))


def test_blank_templates_hold_the_header_only():
    assert template_csv().decode() == ",".join(PLAN_FILE_COLUMNS) + "\n"
    ws = load_workbook(io.BytesIO(template_xlsx())).active
    assert [c.value for c in ws[1]] == PLAN_FILE_COLUMNS
    assert ws.max_row == 1


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_template_filled_in_imports_and_its_export_imports_back_unchanged(store, kind):
    write = plan_csv if kind == "csv" else plan_xlsx
    prepared = prepare(store, write(plan_rows()), f"plan.{kind}")
    assert prepared.ok, prepared.problems
    _, change = import_plan(store, prepared, "analyst@example.org")
    assert (change.new, change.changed, change.removed) == (2, 0, 0)
    exported = stored_plan(store)
    assert exported["action_id"].tolist() == ["1", "2"]
    assert exported["action"].tolist()[1] == TRICKY  # exactly as typed
    assert exported["status"].tolist() == ["On track", "Not started"]
    assert exported["start_date"].tolist() == ["2023-04-01", "2023-06-01"]
    # The export, read back (as after editing in a spreadsheet and saving), changes nothing.
    again = prepare(store, write(exported), f"export.{kind}")
    assert again.ok, again.problems
    assert plan_changes(store, again) == type(change)(new=0, changed=0, unchanged=2, removed=0)
    # One edit: only that action changes; its id ties it to the stored one.
    edited = exported.copy()
    edited.loc[0, "status"] = "At risk"
    change = plan_changes(store, prepare(store, write(edited), f"edited.{kind}"))
    assert (change.new, change.changed, change.unchanged) == (0, 1, 1)


def test_every_problem_is_reported_at_once_with_row_column_and_value(store):
    rows = pd.concat(
        [
            plan_rows(status="Brilliant").iloc[:1],  # row 2: unknown status
            plan_rows(start_date="2024-05-01", due_date="2024-04-01").iloc[:1],  # row 3: due before start
            plan_rows(metric_keys="numbers_in_treatment; not_a_metric").iloc[:1],  # row 4: not in the catalogue
            plan_rows(area_code=DUDLEY).iloc[:1],  # row 5: an area this writer may not change
            plan_rows(area_code="E99999999").iloc[:1],  # row 6: not an area
            plan_rows(lead='=HYPERLINK("http://evil.example","x")').iloc[:1],  # row 7: a formula
            plan_rows(latest_update="x" * 2001).iloc[:1],  # row 8: too long
            plan_rows(action="").iloc[:1],  # row 9: required
            plan_rows(due_date="next spring").iloc[:1],  # row 10: not a date
            plan_rows(action_id="777").iloc[:1],  # row 11: not a stored action
        ],
        ignore_index=True,
    )
    prepared = prepare(store, raw_csv(rows), may_write={WORCS})
    assert not prepared.ok
    found = {(int(r), c, v) for r, c, v in prepared.problems[["row", "column", "value"]].itertuples(index=False)}
    assert (2, "status", "Brilliant") in found
    assert (3, "due_date", "2024-04-01") in found
    assert (4, "metric_keys", "not_a_metric") in found
    assert (5, "area_code", DUDLEY) in found
    assert (6, "area_code", "E99999999") in found
    assert (7, "lead", '=HYPERLINK("http://evil.example","x")') in found
    assert (8, "latest_update", "x" * 200 + "...") in found
    assert (9, "action", "") in found
    assert (10, "due_date", "next spring") in found
    assert (11, "action_id", "777") in found
    messages = " | ".join(prepared.problems["message"])
    assert "use one of: Not started, On track, At risk, Off track, Complete" in messages
    assert "due date is before the start date (01/05/2024)" in messages
    assert "the limit is 2,000" in messages
    with pytest.raises(ValueError, match="nothing was written"):
        import_plan(store, prepared, "analyst")
    assert store.narrative(PLAN_ACTIONS).empty


def test_a_file_with_unknown_columns_or_without_required_ones_is_refused(store):
    prepared = prepare(store, b"area_code,priority,what\nE10000034,Treatment,x\n")
    assert not prepared.ok
    columns = set(prepared.problems["column"])
    assert {"what", "action", "status"} <= columns


def test_a_plan_change_is_a_revision_in_history_and_rollback_restores_the_text_exactly(store):
    rid1, _ = import_plan(store, prepare(store, plan_csv(plan_rows())), "first@example.org")
    before = stored_plan(store)
    edited = before.copy()
    edited.loc[1, "action"] = "Rewritten"
    edited.loc[0, "status"] = "Off track"
    edited = edited.drop(index=0)  # ... and the first action removed from the plan
    rid2, change = import_plan(store, prepare(store, plan_csv(edited)), "second@example.org")
    assert (change.changed, change.removed) == (1, 1)
    history = store.revisions().set_index("revision_id")
    assert history.loc[rid2, "author"] == "second@example.org"
    assert history.loc[rid2, "description"] == "Edit of the delivery plan from plan.csv"
    assert stored_plan(store)["action"].tolist() == ["Rewritten"]
    rid3, summary, kept = rollback(store, rid2, "lead@example.org")
    assert (summary.changed, summary.removed, kept) == (2, 0, 0)
    pd.testing.assert_frame_equal(stored_plan(store), before)
    assert stored_plan(store)["action"].tolist()[1] == TRICKY
    # The plan as it stood at each revision is still there.
    assert store.narrative(PLAN_ACTIONS, as_of=rid2)["action"].tolist() == ["Rewritten"]
    versions = store.narrative_history(PLAN_ACTIONS, {"action_id": "2"})
    assert versions["revision_id"].tolist() == [rid1, rid2, rid3]
    assert versions["written_by"].tolist() == ["first@example.org", "second@example.org", "lead@example.org"]
    # As with data, rolling back the first import keeps the actions a later revision (the rollback) wrote.
    _, summary, kept = rollback(store, rid1, "lead@example.org")
    assert (summary.changed, summary.removed, kept) == (0, 0, 2)
    pd.testing.assert_frame_equal(stored_plan(store), before)


def test_markup_and_formulas_stay_inert_in_csv_and_excel(store):
    evil = "=1+2"
    rows = plan_rows()
    rows.loc[0, "lead"] = "@SUM(A1)"
    import_plan(store, prepare(store, plan_csv(plan_rows())), "a")
    stored = store.narrative(PLAN_ACTIONS)
    # A text typed on a page may start like a formula; it is stored as typed and written neutralised.
    frame = export_frame(stored)
    frame.loc[0, "latest_update"] = evil
    text = plan_csv(frame).decode()
    assert "'=1+2" in text and ",=1+2" not in text
    ws = load_workbook(io.BytesIO(plan_xlsx(frame))).active
    cells = [c.value for row in ws.iter_rows(min_row=2) for c in row]
    assert "'=1+2" in cells and not any(isinstance(v, str) and v.startswith("=") for v in cells)
    assert all(c.data_type == "s" for row in ws.iter_rows(min_row=2) for c in row if c.value is not None)
    # Read back, the neutralised cell is the typed text again (an export imports back exactly).
    prepared = prepare(store, plan_csv(frame))
    assert prepared.ok, prepared.problems
    assert prepared.rows.loc[0, "latest_update"] == evil
    # A raw formula in a file is refused, as in data uploads.
    refused = prepare(store, raw_csv(rows))
    assert (2, "lead") in {(int(r), c) for r, c in refused.problems[["row", "column"]].itertuples(index=False)}


def test_an_xlsx_with_real_dates_and_numbers_reads_as_typed(store):
    from datetime import datetime

    wb = Workbook()
    ws = wb.active
    ws.append(PLAN_FILE_COLUMNS)
    ws.append([WORCS, "Treatment", "Act", "Lead", None, datetime(2024, 1, 5), datetime(2024, 12, 31), "Complete"])
    out = io.BytesIO()
    wb.save(out)
    prepared = prepare(store, out.getvalue(), "plan.xlsx")
    assert prepared.ok, prepared.problems
    assert prepared.rows.loc[0, ["start_date", "due_date", "status"]].tolist() == [
        "2024-01-05",
        "2024-12-31",
        "Complete",
    ]


def run_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "metrics", *args], capture_output=True, text=True, check=False)


def test_cli_export_import_dry_run_and_rejection(store, store_location, tmp_path):
    db = store_location
    store.close()
    empty = run_cli("plan", "export", "--db", db)
    assert empty.returncode == 0 and empty.stdout == ",".join(PLAN_FILE_COLUMNS) + "\n"
    plan_file = tmp_path / "plan.csv"
    plan_file.write_bytes(plan_csv(plan_rows()))
    dry = run_cli("plan", "import", str(plan_file), "--dry-run", "--db", db)
    assert dry.returncode == 0, dry.stderr
    assert "2 new" in dry.stdout and "Dry run: nothing was written." in dry.stdout
    assert run_cli("plan", "export", "--db", db).stdout.count("\n") == 1
    done = run_cli("plan", "import", str(plan_file), "--db", db, "--author", "cli@example.org")
    assert done.returncode == 0, done.stderr
    exported = run_cli("plan", "export", "--area", WORCS, "--db", db).stdout
    assert pd.read_csv(io.StringIO(exported), dtype=str)["action_id"].tolist() == ["1", "2"]
    (tmp_path / "back.csv").write_text(exported)
    again = run_cli("plan", "import", str(tmp_path / "back.csv"), "--db", db)
    assert "0 new, 0 changed, 2 unchanged, 0 removed" in again.stdout and "Nothing changed" in again.stdout
    bad = tmp_path / "bad.csv"
    bad.write_bytes(plan_csv(plan_rows(status="Green")))
    rejected = run_cli("plan", "import", str(bad), "--db", db)
    assert rejected.returncode == 2
    assert "Green" in rejected.stdout and "Rejected: nothing was written." in rejected.stdout
    history = run_cli("history", "--db", db).stdout
    assert "Edit of the delivery plan from plan.csv" in history and "cli@example.org" in history


def test_the_rollback_confirmation_lists_the_words_it_restores_and_removes(store):
    from metrics.ingest.pipeline import rollback_plan

    rid1, _ = import_plan(store, prepare(store, plan_csv(plan_rows())), "a")
    edited = stored_plan(store)
    edited.loc[0, "status"] = "At risk"
    edited = pd.concat([edited, plan_rows().iloc[:1]], ignore_index=True)  # a third action, new
    rid2, _ = import_plan(store, prepare(store, plan_csv(edited)), "b")
    plan = rollback_plan(store, rid2)
    assert plan.refused is None and plan.cells.empty
    assert plan.words.to_dict("records") == [
        {"what": "Plan action", "item": "1", "action": "restore"},
        {"what": "Plan action", "item": "3", "action": "remove"},
    ]
    assert (plan.restored, plan.removed, plan.kept) == (1, 1, 0)
    assert rollback_plan(store, rid1).kept == 1  # action 1 was changed since by revision rid2


def test_the_plan_edited_as_a_table_removes_a_deleted_row_and_ignores_an_empty_one(store):
    from metrics.paper.edits import check_edited_plan, save_edited_plan
    from metrics.paper.view import plan_table

    import_plan(store, prepare(store, plan_csv(plan_rows())), "a")
    table = stored_plan(store).drop(columns=["area_code"])
    table.loc[0, "latest_update"] = "Edited in the table"
    table = pd.concat([table.iloc[:1], pd.DataFrame([{c: None for c in table.columns}])], ignore_index=True)
    prepared = check_edited_plan(store, WORCS, table, default_catalogue(), default_geography())
    assert prepared.ok, prepared.problems
    assert plan_changes(store, prepared) == type(plan_changes(store, prepared))(
        new=0, changed=1, unchanged=0, removed=1
    )
    save_edited_plan(store, prepared, "table@example.org")
    assert stored_plan(store)["latest_update"].tolist() == ["Edited in the table"]
    # The linked metrics in words (this store holds no figures, and says so).
    latest = store.latest_for_area(WORCS)
    shown = plan_table(store.narrative(PLAN_ACTIONS), latest, default_catalogue(), date.today())
    assert (
        shown.loc[0, "linked_metrics"]
        == "Adults in treatment: no figure yet; Adults in drug treatment per 1,000: no figure yet"
    )


def test_each_save_of_the_words_records_the_writers_scope(store, store_location, tmp_path):
    """Issue 32: a narrative revision says under which rights it was written, as an upload's does; the command
    line records the operator, and --partnership refuses another partnership's area before writing."""
    from metrics.paper.edits import save_commentary, save_details

    partnership = "partnership CDP0001 Herefordshire and Worcestershire CDP"
    cat, geo = default_catalogue(), default_geography()
    rid1, _ = import_plan(store, prepare(store, plan_csv(plan_rows())), "a@example.org", scope_name=partnership)
    rid2, _ = save_commentary(
        store, "drug_misuse_deaths", WORCS, "2019 - 21", "Fell.", "a@example.org", cat, geo, scope_name=partnership
    )
    rid3, _ = save_details(store, WORCS, {"board": "The board"}, "a@example.org", geo, scope_name=partnership)
    scopes = store.revisions().set_index("revision_id")["scope"]
    assert [scopes[r] for r in (rid1, rid2, rid3)] == [partnership] * 3
    db = store_location
    store.close()
    elsewhere = tmp_path / "dudley.csv"
    elsewhere.write_bytes(plan_csv(plan_rows(area_code=DUDLEY)))
    refused = run_cli("plan", "import", str(elsewhere), "--db", db, "--partnership", "CDP0001")
    assert refused.returncode == 2 and "Rejected: nothing was written." in refused.stdout
    assert DUDLEY in refused.stdout
    done = run_cli("plan", "import", str(elsewhere), "--db", db, "--author", "ops")
    assert done.returncode == 0, done.stderr
    history = run_cli("history", "--db", db).stdout
    assert "command line (operator, full rights)" in history
