"""Each test module builds its own database once; tests that write get their own copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from metrics.build import build_database

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def module_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ingest_db") / "base.duckdb"
    build_database(path, log=lambda m: None)
    return path


@pytest.fixture
def db(module_db, tmp_path) -> Path:
    """A private copy of the module's database for a test that writes."""
    path = tmp_path / "store.duckdb"
    shutil.copy(module_db, path)
    return path
