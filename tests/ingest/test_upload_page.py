"""AppTest of pages/upload.py: anonymous users are stopped; a local-mode uploader uploads, previews, commits."""
from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from metrics.settings import default_settings
from metrics.store import Store

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
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x",
                          "client_id": "x", "client_secret": "x",
                          "server_metadata_url": "https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration"}
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
    # England's OCU unmet need is a real series in the default build, so its demonstration 2020/21 figure is not
    # stored (issue 16): the sample's England 2020/21 row is new, its other 12 rows replace stored figures
    assert metrics == {"New": "1", "Changed": "12", "Unchanged": "0"}
    commit_button = next(b for b in at.button if b.key == "commit")
    commit_button.click()
    at.run()
    assert not at.exception, at.exception
    assert any("Committed as revision 3" in s.value for s in at.success)
    table = next(d for d in at.dataframe if "revision_id" in d.value.columns).value
    assert table.iloc[0].file_name == "unmet_opiates.csv" and table.iloc[0].action == "upload"
    with Store(db) as store:  # same configuration as the page's connection, which is still open
        rows = store.export_rows()
    r = rows[(rows.metric_key == "unmet_need_ocu") & (rows.area_code == "E10000034") & (rows.period == "2019/20")]
    assert r.value.iloc[0] == pytest.approx(53.25069567)


def test_local_mode_broken_file_shows_problems_and_no_commit(env):
    env(local_mode=True)
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    at.get("file_uploader")[0].set_value(("bad.csv", b"metric_key,area_code,period,value\n"
                                          b"unmet_need_ocu,E10000002,2019/20,50\n", "text/csv"))
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
