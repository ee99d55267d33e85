"""The report tests read the session's built database (tests/conftest.py `built_db`); tests that write use a copy."""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture
def db_copy(built_db, tmp_path):
    path = tmp_path / "report.duckdb"
    shutil.copy(built_db, path)
    return path
