"""AppTest of pages/upload.py: anonymous users are stopped; a local-mode uploader uploads, previews, commits."""

from __future__ import annotations

import subprocess
import sys

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from metrics.ingest.pipeline import commit, prepare
from metrics.settings import default_settings
from metrics.store import Store, open_store

from .conftest import FIXTURES

PAGE = "../../pages/upload.py"


@pytest.fixture
def env(db, tmp_path, monkeypatch):
    def use(local_mode: bool):
        settings = tmp_path / "settings.yaml"
        settings.write_text(f"upload:\n  local_mode: {str(local_mode).lower()}\n  max_upload_mb: 5\n")
        monkeypatch.setenv("CDOF_SETTINGS", str(settings))
        monkeypatch.setenv("CDOF_DB", str(db))
        default_settings.cache_clear()
        st.cache_data.clear()
        st.cache_resource.clear()
        return db

    yield use
    st.cache_resource.clear()  # closes nothing, but forgets this test's store
    default_settings.cache_clear()


def test_anonymous_user_is_stopped(env):
    env(local_mode=False)
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.run()
    assert not at.exception
    assert "signed in as an uploader" in at.error[0].value
    assert len(at.get("file_uploader")) == 0
    assert not [b for b in at.button if b.key == "commit"]


def test_signed_in_non_uploader_is_stopped(env):
    env(local_mode=False)
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "x",
        "client_id": "x",
        "client_secret": "x",
        "server_metadata_url": "https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration",
    }
    at.user = {"is_logged_in": True, "email": "someone@example.org", "roles": ["reader"]}
    at.run()
    assert at.error and len(at.get("file_uploader")) == 0


def test_local_mode_upload_preview_commit(env):
    db = env(local_mode=True)
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    data = (FIXTURES / "fingertips/unmet_opiates.csv").read_bytes()
    at.get("file_uploader")[0].set_value(("unmet_opiates.csv", data, "text/csv"))
    at.run()
    assert not at.exception, at.exception
    assert any("No problems found." in s.value for s in at.success)
    metrics = {m.label: m.value for m in at.metric}
    # Two rows repeat the published figures already stored with another source text: description only. England's
    # OCU unmet need is a real series in the default build, so its demonstration 2020/21 figure is not stored
    # (issue 16) and the sample's England 2020/21 row is new.
    assert metrics == {"New": "1", "Changed": "10", "Description changed": "2", "Unchanged": "0"}
    commit_button = next(b for b in at.button if b.key == "commit")
    commit_button.click()
    at.run()
    assert not at.exception, at.exception
    assert any("Committed as revision 6" in s.value for s in at.success)  # the default build writes 5
    assert not [b for b in at.button if b.key == "commit"]  # the result replaces the preview
    table = next(d for d in at.dataframe if "Revision" in d.value.columns).value
    assert table.iloc[0]["What it did"] == "Upload of unmet_opiates.csv (fingertips)"
    with Store(db) as store:  # same configuration as the page's connection, which is still open
        rows = store.export_rows()
    r = rows[(rows.metric_key == "unmet_need_ocu") & (rows.area_code == "E10000034") & (rows.period == "2019/20")]
    assert r.value.iloc[0] == pytest.approx(53.25069567)


@pytest.mark.parametrize("where", ["file", "postgres"])
def test_a_commit_made_elsewhere_after_the_preview_is_shown_before_anything_is_written(
    env, where, request, monkeypatch
):
    """Issue 32: the preview a user looks at is stale if another session, server or the command line commits
    meanwhile; the Commit click then writes nothing and shows the preview as it now stands. On the file the other
    writer is another session of the same server (the command line waits while a dashboard holds the file); on
    PostgreSQL it is the command line."""
    db = env(local_mode=True)
    location = str(db) if where == "file" else request.getfixturevalue("pg_built_copy")
    monkeypatch.setenv("CDOF_DB", location)
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    sample = FIXTURES / "fingertips/unmet_opiates.csv"
    at.get("file_uploader")[0].set_value(("unmet_opiates.csv", sample.read_bytes(), "text/csv"))
    at.run()
    assert {m.label: m.value for m in at.metric}["Changed"] == "10"
    if where == "file":
        with Store(db) as other_session:
            rid, _ = commit(other_session, prepare(sample), author="someone-else")
        assert rid == 6
    else:
        elsewhere = subprocess.run(
            [sys.executable, "-m", "metrics", "ingest", str(sample), "--db", location, "--author", "someone-else"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert elsewhere.returncode == 0 and "Committed revision 6" in elsewhere.stdout, elsewhere.stderr
    next(b for b in at.button if b.key == "commit").click()
    at.run()
    assert not at.exception, at.exception
    assert any("Revision 6 was committed since this preview was shown" in w.value for w in at.warning)
    assert not any("Committed as revision" in s.value for s in at.success)
    assert {m.label: m.value for m in at.metric} == {
        "New": "0",
        "Changed": "0",
        "Description changed": "0",
        "Unchanged": "13",
    }
    with open_store(location, read_only=True) as store:
        assert store.latest_revision() == 6  # the click wrote nothing
    next(b for b in at.button if b.key == "commit").click()  # the preview now shown is current: it commits
    at.run()
    assert any("Committed as revision 7" in s.value for s in at.success)


def test_local_mode_broken_file_shows_problems_and_no_commit(env):
    env(local_mode=True)
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    at.get("file_uploader")[0].set_value(
        ("bad.csv", b"metric_key,area_code,period,value\nunmet_need_ocu,E10000002,2019/20,50\n", "text/csv")
    )
    at.run()
    assert not at.exception, at.exception
    assert any("Nothing will be written" in e.value for e in at.error)
    problems = next(d for d in at.dataframe if "severity" in d.value.columns).value
    assert "did you mean E06000060 Buckinghamshire?" in problems.message.iloc[0]
    assert not [b for b in at.button if b.key == "commit"]
    # A problem of the whole file says so in its column (the downloadable report leaves the cell empty).
    at.get("file_uploader")[0].set_value(("header_only.csv", b"metric_key,area_code,period,value\n", "text/csv"))
    at.run()
    problems = next(d for d in at.dataframe if "severity" in d.value.columns).value
    assert problems.column.tolist() == ["(whole file)"] and "no data rows" in problems.message.iloc[0]


def test_rollback_asks_for_confirmation_and_is_refused_twice(env, tmp_path):
    db = env(local_mode=True)
    from metrics.ingest.pipeline import commit, prepare

    path = tmp_path / "value.csv"
    path.write_text(
        "metric_key,area_code,period,value,lower95,upper95\nunmet_need_ocu,E10000034,2019/20,60,50,70\n",
        encoding="utf-8",
    )
    with Store(db) as store:
        rid, _ = commit(store, prepare(path), author="test")
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert at.selectbox(key="rollback_target").value == rid
    at.button(key="rollback").click().run()
    assert not at.exception, at.exception
    # the description is data text, shown as escaped plain text
    warning = next(w.value for w in at.warning if "Roll back revision" in w.value).replace("\\", "")
    assert warning.startswith(f"Roll back revision {rid} (Upload of value.csv (template))? This restores 1 row(s)")
    cells = next(d for d in at.dataframe if "Value after" in d.value.columns).value
    assert cells[["Action", "Area code", "Area", "Period", "Value now"]].values.tolist() == [
        ["Restore earlier value", "E10000034", "Worcestershire", "2019/20", 60.0]
    ]
    with Store(db) as store:
        assert len(store.revisions()) == rid  # asking writes nothing
    at.button(key="rollback_confirmed").click().run()
    assert not at.exception, at.exception
    assert any(
        f"Rolled back revision {rid} as revision {rid + 1}: 1 restored, 0 removed" in s.value for s in at.success
    )
    table = next(d for d in at.dataframe if "Revision" in d.value.columns).value.set_index("Revision")
    assert table.loc[rid + 1, "What it did"] == f"Rollback of revision {rid}"
    assert table.loc[rid, "Rolled back"] == f"Yes, by revision {rid + 1}"
    # The revision rolled back is no longer offered.
    assert rid not in at.selectbox(key="rollback_target").options


# ---------------------------------------------------------------------------------------- access by partnership
PARTNERSHIP_SETTINGS = """upload:
  local_mode: false
access:
  partnerships:
    - area: CDP0001
      uploaders:
        emails: [analyst@worcestershire.gov.uk]
"""


@pytest.fixture
def partnership_page(db, tmp_path, monkeypatch):
    """The Upload page for a signed-in uploader of the Herefordshire and Worcestershire partnership."""
    import secrets

    settings = tmp_path / "settings.yaml"
    settings.write_text(PARTNERSHIP_SETTINGS)
    monkeypatch.setenv("CDOF_SETTINGS", str(settings))
    monkeypatch.setenv("CDOF_DB", str(db))
    default_settings.cache_clear()

    def run() -> AppTest:
        at = AppTest.from_file(PAGE, default_timeout=60)
        at.secrets["auth"] = {
            "redirect_uri": "http://localhost:8501/oauth2callback",
            "cookie_secret": secrets.token_urlsafe(32),
            "client_id": "x",
            "client_secret": "x",
            "server_metadata_url": "https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration",
        }
        at.user = {"is_logged_in": True, "email": "analyst@worcestershire.gov.uk"}
        at.run()
        assert not at.exception, at.exception
        return at

    yield db, run
    default_settings.cache_clear()


def test_a_partnership_uploader_is_refused_other_areas_naming_rows_and_areas(partnership_page):
    db, run = partnership_page
    at = run()
    assert any(
        "You may write: partnership CDP0001 Herefordshire and Worcestershire CDP: E06000019 Herefordshire, County "
        "of; E10000034 Worcestershire." in c.value.replace("\\", "")
        for c in at.caption
    )
    with Store(db) as store:
        before = store.export_fingerprint()
    at.get("file_uploader")[0].set_value(
        (
            "mixed.csv",
            b"metric_key,area_code,period,value,lower95,upper95\n"
            b"unmet_need_ocu,E10000034,2019/20,60,50,70\nunmet_need_ocu,E06000060,2019/20,61,50,70\n",
            "text/csv",
        )
    )
    at.run()
    assert not at.exception, at.exception
    assert any("Nothing will be written" in e.value for e in at.error)
    problems = next(d for d in at.dataframe if "severity" in d.value.columns).value
    assert problems[["row", "area"]].values.tolist() == [[3, "E06000060 Buckinghamshire"]]
    assert problems.message.iloc[0].startswith(
        "E06000060 Buckinghamshire is outside what you may write (partnership CDP0001 Herefordshire and "
        "Worcestershire CDP: E06000019 Herefordshire, County of; E10000034 Worcestershire); nothing of this file "
        "will be written."
    )
    assert not [b for b in at.button if b.key == "commit"]
    with Store(db) as store:
        assert store.export_fingerprint() == before


def test_a_partnership_uploader_commits_its_own_area_and_the_revision_shows_who_and_scope(partnership_page):
    db, run = partnership_page
    at = run()
    at.get("file_uploader")[0].set_value(
        (
            "ours.csv",
            b"metric_key,area_code,period,value,lower95,upper95\nunmet_need_ocu,E10000034,2019/20,60,50,70\n",
            "text/csv",
        )
    )
    at.run()
    next(b for b in at.button if b.key == "commit").click()
    at.run()
    assert not at.exception, at.exception
    table = next(d for d in at.dataframe if "Revision" in d.value.columns).value
    newest = table.iloc[0]
    assert newest["By"] == "analyst@worcestershire.gov.uk"
    assert newest["Under the rights of"] == "partnership CDP0001 Herefordshire and Worcestershire CDP"
    assert table.iloc[-1]["Under the rights of"] == "build (full rights)"
    with Store(db) as store:
        stored = store.revisions().iloc[0]
    assert (stored["author"], stored["scope"]) == (newest["By"], newest["Under the rights of"])


def test_a_partnership_uploader_cannot_roll_back_another_areas_revision(partnership_page, tmp_path):
    db, run = partnership_page
    from metrics.access import operator_scope
    from metrics.ingest.pipeline import commit, prepare

    path = tmp_path / "bucks.csv"
    path.write_text("metric_key,area_code,period,value,lower95,upper95\nunmet_need_ocu,E06000060,2019/20,61,50,70\n")
    with Store(db) as store:
        rid, _ = commit(store, prepare(path), author="ops", scope=operator_scope("ops"))
        before = store.export_fingerprint()
    at = run()
    at.selectbox(key="rollback_target").set_value(rid)
    at.button(key="rollback").click().run()
    assert not at.exception, at.exception
    (refusal,) = [e.value for e in at.error]
    assert (
        refusal.replace("\\", "")
        .replace("\u2060", "")
        .startswith(
            f"Revision {rid} cannot be rolled back: Refused: 1 cell outside what analyst@worcestershire.gov.uk may "
            "write (partnership CDP0001 Herefordshire and Worcestershire CDP: E06000019 Herefordshire, County of; "
            "E10000034 Worcestershire): E06000060 Buckinghamshire (1 row). Nothing was written."
        )
    )
    assert not [b for b in at.button if b.key == "rollback_confirmed"]
    with Store(db) as store:
        assert store.export_fingerprint() == before
