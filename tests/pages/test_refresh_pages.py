"""Refresh from Fingertips on the Upload page (preview, then an explicit commit) and what Definitions says after,
against the loopback server of tests/support/fingertips_server.py (real bodies; the other IDs get header-only
answers, which fail those indicators)."""

from __future__ import annotations

import shutil

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from metrics.build import build_database
from metrics.settings import default_settings
from metrics.store import Store
from tests.pages.helpers import PAGES, all_text, run_page
from tests.support.fingertips_server import REAL_BODIES, FingertipsServer, Reply

OPIATES, ALCOHOL = 93517, 93532


@pytest.fixture(scope="module")
def module_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("refresh_page_db") / "base.duckdb"
    build_database(path, log=lambda m: None)
    return path


@pytest.fixture
def uploader(module_db, tmp_path, monkeypatch):
    """A private database, local-mode upload settings and a loopback Fingertips server named by the environment."""
    db = tmp_path / "store.duckdb"
    shutil.copy(module_db, db)
    settings = tmp_path / "settings.yaml"
    settings.write_text("upload:\n  local_mode: true\nfingertips:\n  retries: 0\n")
    monkeypatch.setenv("CDOF_SETTINGS", str(settings))
    monkeypatch.setenv("CDOF_DB", str(db))
    default_settings.cache_clear()
    with FingertipsServer({i: [Reply.file(REAL_BODIES[i])] for i in (OPIATES, ALCOHOL)}) as server:
        monkeypatch.setenv("CDOF_FINGERTIPS_URL", server.base_url)
        yield db
    st.cache_resource.clear()
    default_settings.cache_clear()


def test_refresh_preview_then_commit(uploader):
    at = AppTest.from_file(str(PAGES / "upload.py"), default_timeout=60)
    at.run()
    assert not at.exception
    at.button(key="refresh_check").click().run()
    assert not at.exception, [e.value for e in at.exception]
    preview = next(d.value for d in at.dataframe if "Fingertips ID" in d.value.columns).set_index("Fingertips ID")
    assert preview.loc[OPIATES, "Status"] == "will load" and preview.loc[ALCOHOL, "Status"] == "will load"
    assert preview.loc[OPIATES, "New"] + preview.loc[OPIATES, "Changed"] > 0
    assert preview.loc[90244, "Status"] == "failed" and "header and no rows" in preview.loc[90244, "Why"]
    with Store(uploader) as store:
        before = len(store.revisions())
    assert before == 5  # the build's revisions: the preview wrote nothing
    commit = at.button(key="refresh_commit")
    assert commit.label == "Commit 30 rows from 2 indicators"
    commit.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Committed the refresh as revision" in s.value for s in at.success)
    with Store(uploader) as store:
        assert len(store.revisions()) == before + 1
        rows = store.export_rows().set_index(["metric_key", "area_code", "period"])
    source = rows.loc[("unmet_need_ocu", "E10000034", "2018/19"), "source"]
    assert source.startswith("OHID, Fingertips public health profiles, indicator 93517 Proportion of opiates")
    definitions = all_text(run_page("definitions", metric="unmet_need_ocu"))
    assert "by a refresh from Fingertips (Fingertips refresh: indicators 93517, 93532)" in definitions


def test_definitions_say_how_to_get_a_metric_fingertips_does_not_publish(uploader):
    text = all_text(run_page("definitions", metric="numbers_in_treatment"))
    assert "Where to get the real data:** NDTMS ViewIt (ndtms.net) adult activity report" in text
    unconfirmed = all_text(run_page("definitions", metric="successful_completion_opiate"))
    assert "(unconfirmed: seen only in secondary sources)" in unconfirmed
