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


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL server on 127.0.0.1 for the session (tests.support.postgres), stopped at the end."""
    from tests.support.postgres import postgres_bin, throwaway_server

    if postgres_bin() is None:
        pytest.fail("PostgreSQL is not installed: `make test` installs Debian's postgresql (make postgres)")
    with throwaway_server() as server:
        yield server


@pytest.fixture
def pg_url(pg_server) -> str:
    """The URL of a new empty database on the session's PostgreSQL server."""
    return pg_server.new_database()


@pytest.fixture(scope="session")
def pg_built(pg_server) -> str:
    """The URL of a database holding the default build, made once; tests take copies of it (pg_built_copy)."""
    from metrics.build import build_database
    from metrics.paths import DatabaseUrl

    url = pg_server.new_database("built")
    build_database(DatabaseUrl(url), log=lambda m: None)
    # (the build's connections are closed when it returns: a template database must have none)
    return url


@pytest.fixture
def pg_built_copy(pg_server, pg_built) -> str:
    """A database of its own holding the default build (a copy of pg_built)."""
    return pg_server.new_database(template=pg_built)


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

    AppTest keeps download data in the media file manager of a mock runtime that is dropped after each run;
    this fixture records those managers so a test can read a button's file: by its URL, or, for a button whose
    file is built on click (a callable, `deferred_file_id`), by running that callable as a click would.
    """
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.testing.v1 import app_test

    managers: list[MediaFileManager] = []

    class Recording(MediaFileManager):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            managers.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", Recording)

    def read(button) -> bytes:
        deferred = button.proto.deferred_file_id
        for mgr in reversed(managers):
            try:
                url = mgr.execute_deferred(deferred) if deferred else button.proto.url
                return bytes(mgr.read_file(url.rsplit("/", 1)[-1].split(".")[0]).content)
            except Exception:
                continue
        raise AssertionError(f"no stored file for {button.proto.url or deferred}")

    return read
