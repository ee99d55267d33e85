"""AppTest: a commentary is shown under its metric on Trends (as current only for the latest period; an older
period's is listed with that period) and opens from a marker on the scorecard; typed markup stays text."""

from __future__ import annotations

import shutil

import pytest

from metrics.areas import default_geography
from metrics.catalogue import default_catalogue
from metrics.paper.edits import save_commentary
from metrics.safety import plain_text
from metrics.store import Store
from tests.pages.helpers import all_text, run_page, run_page_with_demo

WORCS = "E10000034"
NOW = "Numbers in treatment fell by more than 20% in 2022/23 to 2,006; **a campaign** restored them."
OLD = "An older note on 2021/22 <b>only</b>."


@pytest.fixture
def commentary_db(built_db, tmp_path, monkeypatch):
    db = tmp_path / "commentary.duckdb"
    shutil.copy(built_db, db)
    with Store(db) as store:
        args = (default_catalogue(), default_geography())
        save_commentary(store, "numbers_in_treatment", WORCS, "2022/23", NOW, "analyst@example.org", *args)
        save_commentary(store, "treatment_progress", WORCS, "2021/22", OLD, "analyst@example.org", *args)
        save_commentary(store, "mental_health_treatment", WORCS, "2023/24", "Latest.", "lead@example.org", *args)
    monkeypatch.setenv("CDOF_DB", str(db))
    return db


def test_trends_shows_the_latest_periods_commentary_as_current(commentary_db):
    at = run_page("trends", metric="numbers_in_treatment", area=WORCS)
    text = all_text(at)
    assert plain_text("Commentary for 2022/23 by analyst@example.org") in text
    assert plain_text(NOW) in text  # escaped: the asterisks are shown, not bold


def test_an_older_periods_commentary_stays_with_its_period(commentary_db):
    # Treatment progress has only demonstration figures (hidden with real data only, the default): switch them on.
    at = run_page_with_demo("trends", metric="treatment_progress", area=WORCS)
    # Not shown as current: no bordered commentary for the latest period, only the folded earlier one.
    assert "Commentary on earlier periods (1)" in [e.label for e in at.expander]
    assert not [c for c in at.get("flex_container") if getattr(c, "key", None) == "commentary_treatment_progress"]


def test_scorecard_has_a_marker_that_opens_the_commentary(commentary_db):
    at = run_page("scorecard", area=WORCS)
    labels = [p.proto.popover.label for p in at.get("popover")]
    # Real figures only (the default): the scorecard shows Worcestershire's own latest real adults in treatment,
    # 2022/23 (2,006), so its 2022/23 commentary has a marker; treatment progress and mental health treatment have
    # only demonstration figures, hidden, so their commentaries have none.
    assert labels == ["Commentary: Adults in treatment, 2022/23"]
    # With demonstration data shown, treatment progress shows a later period: its 2021/22 commentary stays with it.
    at = run_page("scorecard", area=WORCS, real="false")
    labels = [p.proto.popover.label for p in at.get("popover")]
    assert labels == ["Commentary: Adults in treatment, 2022/23", "Commentary: Mental health need treated, 2023/24"]


def test_a_commentary_saved_while_the_page_is_open_shows_on_its_next_run(built_db, tmp_path, monkeypatch):
    # Commentaries are cached with the store's revision: saving one (here by another writer) is a new revision,
    # so the next run reads it instead of the cached "none".
    db = tmp_path / "later.duckdb"
    shutil.copy(built_db, db)
    monkeypatch.setenv("CDOF_DB", str(db))
    at = run_page("trends", metric="numbers_in_treatment", area=WORCS)
    assert plain_text(NOW) not in all_text(at)
    with Store(db, shared=True) as store:
        args = (default_catalogue(), default_geography())
        save_commentary(store, "numbers_in_treatment", WORCS, "2022/23", NOW, "analyst@example.org", *args)
    at.run()
    assert plain_text(NOW) in all_text(at)
