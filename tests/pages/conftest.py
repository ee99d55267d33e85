"""Fixtures of the page tests."""

from __future__ import annotations

import shutil

import pytest

from tests.pages.helpers import copy_with_upload


@pytest.fixture
def mixed_periods_db(built_db, tmp_path, monkeypatch):
    """A copy of the built database with quarters of continuity_of_care uploaded beside its years (Worcestershire
    and England, 2023/24 Q1-Q4), and CDOF_DB pointed at it."""
    db = copy_with_upload(
        built_db,
        tmp_path,
        "mixed",
        "metric_key,area_code,period,breakdown,value,count,denominator\n"
        + "".join(
            f"continuity_of_care,{area},2023/24 Q{q},Total,,{30 + q},{60 + q}\n"
            for area in ("E10000034", "E92000001")
            for q in (1, 2, 3, 4)
        ),
    )
    monkeypatch.setenv("CDOF_DB", str(db))
    return db


@pytest.fixture
def breakdowns_db(built_db, tmp_path, monkeypatch):
    """A copy of the built database with sex, age and deprivation breakdowns of continuity_of_care uploaded
    (tests/support/breakdowns.py), and CDOF_DB pointed at it."""
    from tests.support.breakdowns import add_breakdowns

    db = tmp_path / "breakdowns.duckdb"
    shutil.copy(built_db, db)
    add_breakdowns(db, tmp_path)
    monkeypatch.setenv("CDOF_DB", str(db))
    return db
