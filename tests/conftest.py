"""Shared fixtures.

`built_db`: one database built per test session (metrics.build.build_database into a temporary directory) and
CDOF_DB pointed at it, so AppTest runs and the browser tests' server read it instead of data/cdof.duckdb.
An autouse fixture clears Streamlit's caches (and the catalogue/geography/settings lru_caches) between tests,
because st.cache_data and st.cache_resource persist across AppTest instances in one pytest run.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def built_db(tmp_path_factory) -> Path:
    """Path to a freshly built default database (demonstration data + published figures); sets CDOF_DB."""
    from metrics.build import build_database

    path = tmp_path_factory.mktemp("db") / "cdof.duckdb"
    build_database(path, log=lambda m: None)
    old = os.environ.get("CDOF_DB")
    os.environ["CDOF_DB"] = str(path)
    yield path
    if old is None:
        os.environ.pop("CDOF_DB", None)
    else:
        os.environ["CDOF_DB"] = old


def _clear_all_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    from metrics.areas import default_geography
    from metrics.catalogue import default_catalogue
    from metrics.settings import default_settings

    for fn in (default_geography, default_catalogue, default_settings):
        fn.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_streamlit_caches():
    _clear_all_caches()
    yield
    _clear_all_caches()


@pytest.fixture
def captured_downloads(monkeypatch):
    """The bytes behind st.download_button in AppTest: returns a function mapping a DownloadButton to bytes.

    AppTest keeps download data in an in-memory media store of a mock runtime that is dropped after each run;
    this fixture records those stores so a test can read a button's file by its URL.
    """
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.testing.v1 import app_test

    stores: list[MemoryMediaFileStorage] = []

    class Recording(MemoryMediaFileStorage):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            stores.append(self)

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", Recording)

    def read(button) -> bytes:
        filename = button.proto.url.rsplit("/", 1)[-1]
        for store in reversed(stores):
            try:
                return bytes(store.get_file(filename).content)
            except Exception:
                continue
        raise AssertionError(f"no stored file for {button.proto.url}")

    return read
