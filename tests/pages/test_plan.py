"""AppTest of pages/plan.py: a reader sees the plan (statuses in words, overdue flagged, linked metrics) and no
editing; an uploader (local mode) adds an action, saves paper details and a commentary, each a revision."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from metrics.areas import default_geography
from metrics.catalogue import default_catalogue
from metrics.paper.edits import import_plan
from metrics.paper.plan import PLAN_FILE_COLUMNS, plan_csv, prepare_plan
from metrics.settings import default_settings
from metrics.store import Store
from metrics.store.narrative import COMMENTARY, PAPER_DETAILS, PLAN_ACTIONS
from tests.pages.helpers import PAGES, TIMEOUT, all_text, frames

WORCS = "E10000034"
MARKUP = "**Bold** <script>alert(1)</script> [link](http://example.org)"


@pytest.fixture
def plan_db(built_db, tmp_path, monkeypatch):
    db = tmp_path / "plan.duckdb"
    shutil.copy(built_db, db)
    rows = pd.DataFrame(
        [
            [
                WORCS,
                "Treatment",
                "Marketing campaign",
                "Public Health",
                "Cranstoun",
                "2023-04-01",
                "2024-03-31",
                "On track",
                "Numbers restored",
                "numbers_in_treatment; adults_in_drug_treatment_rate",
                "",
            ],
            [WORCS, "Treatment", MARKUP, "Probation", "", "2023-04-01", "2023-12-31", "Off track", "", "", ""],
            [WORCS, "Recovery", "Recovery cafe", "Recovery network", "", "", "", "Complete", "", "", ""],
        ],
        columns=PLAN_FILE_COLUMNS,
    )
    with Store(db) as store:
        prepared = prepare_plan(
            plan_csv(rows), "plan.csv", default_catalogue(), default_geography(), store.narrative(PLAN_ACTIONS)
        )
        assert prepared.ok, prepared.problems
        import_plan(store, prepared, "seed@example.org")
    monkeypatch.setenv("CDOF_DB", str(db))

    def use(local_mode: bool):
        settings = tmp_path / "settings.yaml"
        settings.write_text(f"upload:\n  local_mode: {str(local_mode).lower()}\n")
        monkeypatch.setenv("CDOF_SETTINGS", str(settings))
        default_settings.cache_clear()
        st.cache_data.clear()
        st.cache_resource.clear()
        return db

    yield use
    st.cache_resource.clear()
    default_settings.cache_clear()


def run(area: str = WORCS, **params) -> AppTest:
    at = AppTest.from_file(str(PAGES / "plan.py"), default_timeout=TIMEOUT)
    at.query_params["area"] = area
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_reader_sees_the_plan_by_priority_and_no_editing(plan_db):
    plan_db(local_mode=False)
    at = run()
    text = all_text(at)
    assert "#### Treatment" in text and "#### Recovery" in text
    treatment = frames(at)[0]
    assert treatment["Action"].tolist() == ["Marketing campaign", MARKUP]  # the typed text, shown as text
    assert treatment["Status"].tolist() == ["● On track", "✕ Off track"]
    assert treatment["Overdue"].tolist() == ["⚠ Overdue", "⚠ Overdue"]
    # dates as a board reads them; a missing one says so (never "None")
    dates = [d for f in frames(at) for d in (*f["Due"], *f["Start"])]
    assert dates and all(d == "no date" or re.fullmatch(r"\d\d/\d\d/\d{4}", d) for d in dates), dates
    real, demo = treatment["Linked metrics (latest value, comparison, trend)"][0].split("; ")
    assert real.startswith("Adults in treatment 2022/23: 2,006")  # the area's own latest (England has none)
    assert "Demo" not in real
    # Real data only (the default): the demonstration-only metric shows no value ...
    assert demo == "Adults in drug treatment per 1,000: no figure yet"
    # ... and with demonstration data switched on, its figure says it is one.
    linked = frames(run(real="false"))[0]["Linked metrics (latest value, comparison, trend)"][0]
    assert linked.split("; ")[0] == real and linked.split("; ")[1].endswith(", Demo")
    assert "need the board's attention" in at.warning[0].value
    assert "\\<script\\>" in at.warning[0].value  # escaped: shown, never run
    assert {b.label for b in at.get("download_button")} == {"Download the plan (CSV)", "Download the plan (Excel)"}
    assert not at.tabs and not at.get("file_uploader")
    assert not [b for b in at.button if b.key == "plan_save_table"]
    # Filters by status.
    at.multiselect(key="status_filter").set_value(["Complete"]).run()
    assert [f["Action"].tolist() for f in frames(at)] == [["Recovery cafe"]]


def test_an_area_without_a_plan_says_so(plan_db):
    plan_db(local_mode=False)
    at = run("E10000032")
    assert "has no delivery plan here yet" in at.info[0].value


def test_uploader_adds_an_action_and_saves_details_and_commentary(plan_db):
    db = plan_db(local_mode=True)
    at = run()
    assert len(at.tabs) == 6
    at.text_input(key="add_priority").set_value("Supply")
    at.text_area(key="add_action").set_value("Close county lines")
    at.text_input(key="add_lead").set_value("West Mercia Police")
    at.selectbox(key="add_status").set_value("At risk")
    at.multiselect(key="add_metrics").set_value(["county_lines_closed"])
    next(b for b in at.button if b.label == "Add the action").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success, [e.value for e in at.error] + [f.to_dict("records") for f in frames(at)[-1:]]
    assert "Added the action as revision" in at.success[0].value
    at.text_input(key="d_title").set_value("Combating Drugs Partnership highlight report")
    at.text_area(key="d_recommendation").set_value("The board is asked to note the report.")
    next(b for b in at.button if b.label == "Save the paper details").click().run()
    assert "Saved the paper details" in at.success[0].value
    at.selectbox(key="c_metric").set_value("numbers_in_treatment").run()
    period = at.selectbox(key="c_period").value
    body_key = f"c_body_numbers_in_treatment_{period}"
    at.text_area(key=body_key).set_value("Numbers fell, then a campaign restored them.")
    next(b for b in at.button if b.label == "Save the commentary").click().run()
    assert "Saved the commentary" in at.success[0].value
    with Store(db, read_only=True) as store:
        actions = store.narrative(PLAN_ACTIONS, [WORCS])
        added = actions[actions["priority"] == "Supply"].iloc[0]
        assert (added["action"], added["status"], added["metric_keys"]) == (
            "Close county lines",
            "At risk",
            "county_lines_closed",
        )
        assert added["written_by"] == "local analyst"
        assert store.narrative(PAPER_DETAILS, [WORCS]).iloc[0]["recommendation"] == (
            "The board is asked to note the report."
        )
        comment = store.narrative(COMMENTARY, [WORCS]).iloc[0]
        assert (comment["metric_key"], comment["period"]) == ("numbers_in_treatment", period)
        described = store.revisions()["description"].head(3).tolist()
    assert described == [
        "Edit of the commentary: numbers_in_treatment, " + period,
        "Edit of the paper details: " + WORCS,
        "Edit of the delivery plan: edited on the Delivery plan page",
    ]


def test_uploader_updates_an_actions_status_and_progress(plan_db):
    db = plan_db(local_mode=True)
    at = run()
    with Store(db, read_only=True) as store:
        first = store.narrative(PLAN_ACTIONS, [WORCS]).iloc[0]
    at.selectbox(key="update_action").set_value(first["action_id"]).run()
    at.selectbox(key=f"update_status_{first['action_id']}").set_value("At risk")
    at.text_area(key=f"update_text_{first['action_id']}").set_value("Recruitment paused <b>again</b>")
    next(b for b in at.button if b.label == "Save the update").click().run()
    assert "Saved the update as revision" in at.success[0].value
    with Store(db, read_only=True) as store:
        now = store.narrative(PLAN_ACTIONS, [WORCS]).set_index("action_id")
    assert now.loc[first["action_id"], ["status", "latest_update"]].tolist() == [
        "At risk",
        "Recruitment paused <b>again</b>",
    ]
    assert len(now) == 3 and now.loc[first["action_id"], "action"] == first["action"]


def test_uploader_sees_every_problem_of_a_bad_action_and_nothing_is_saved(plan_db):
    db = plan_db(local_mode=True)
    at = run()
    at.text_input(key="add_priority").set_value("Supply")
    at.text_area(key="add_action").set_value("")
    next(b for b in at.button if b.label == "Add the action").click().run()
    assert "Nothing was saved" in at.error[0].value
    problems = frames(at)[-1]
    assert "action is required" in " ".join(problems.astype(str).to_numpy().ravel())
    with Store(db, read_only=True) as store:
        assert len(store.narrative(PLAN_ACTIONS, [WORCS])) == 3
