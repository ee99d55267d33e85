"""The pages on PostgreSQL: the same tables and words as on the file, and a commit made by another process (another
server, the command line) shown by the next page load without clearing any cache here."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from metrics.store import open_store
from tests.conftest import _clear_all_caches
from tests.pages.helpers import all_text, frames, open_part, run_page

REPO = Path(__file__).resolve().parents[2]
AREA = "E10000034"  # Worcestershire


def _without_build_time(text: str) -> str:
    """The words without "Data as of <time>" (the two databases were built at different times)."""
    return re.sub(r"Data as of [^(]*\(", "Data as of (", text)


def _shown(page: str, db, monkeypatch, **params) -> tuple[str, list[pd.DataFrame]]:
    monkeypatch.setenv("CDOF_DB", str(db))
    _clear_all_caches()
    at = run_page(page, **params)
    return all_text(at), frames(at)


@pytest.mark.parametrize(
    "page, params",
    [
        ("scorecard", {"area": AREA}),
        ("trends", {"area": AREA}),
        ("compare", {"area": AREA}),
        ("profile", {"area": AREA}),
        ("map", {}),
        ("inequalities", {"area": AREA}),
        ("compare_indicators", {}),
        ("definitions", {}),
        ("report", {"area": AREA}),
    ],
)
def test_a_page_shows_the_same_on_postgresql_as_on_the_file(page, params, built_db, pg_built_copy, monkeypatch):
    text_file, frames_file = _shown(page, built_db, monkeypatch, **params)
    text_pg, frames_pg = _shown(page, pg_built_copy, monkeypatch, **params)
    assert _without_build_time(text_pg) == _without_build_time(text_file)
    assert len(frames_pg) == len(frames_file)
    for on_pg, on_file in zip(frames_pg, frames_file, strict=True):
        pd.testing.assert_frame_equal(on_pg, on_file)


def _continuity_value(at) -> str:
    if not at.session_state["details"]:
        open_part(at, "details")
    table = pd.concat([f for f in frames(at) if "Indicator" in f.columns and "Value" in f.columns])
    return str(table.loc[table["key"] == "continuity_of_care", "Value"].iloc[0])


def test_a_commit_from_another_process_is_what_the_next_page_load_shows(pg_built_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("CDOF_DB", pg_built_copy)
    at = run_page("scorecard", area=AREA)
    before = _continuity_value(at)
    with open_store(pg_built_copy, read_only=True) as s:
        period = s.latest_for_area(AREA).set_index("metric_key").loc["continuity_of_care", "period"]
    upload = tmp_path / "continuity.csv"
    upload.write_text(
        "metric_key,area_code,period,breakdown,value,count,denominator\n"
        f"continuity_of_care,{AREA},{period},Total,,123,456\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "metrics", "ingest", str(upload), "--db", pg_built_copy],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    at.run()  # the next page load, in this process whose caches hold the page's earlier queries
    after = _continuity_value(at)
    assert before != after and "27.0" in after


def test_the_board_papers_words_load_and_show_the_same_on_postgresql(built_db, pg_built_copy, tmp_path, monkeypatch):
    """The plan, its details and commentary written on PostgreSQL (the command line's load-example: three kinds of
    narrative revision) show on the Delivery plan page as they do on the file."""
    import shutil

    file_copy = tmp_path / "paper.duckdb"
    shutil.copy(built_db, file_copy)
    shown = []
    for db in (str(file_copy), pg_built_copy):
        loaded = subprocess.run(
            [sys.executable, "-m", "metrics", "plan", "load-example", "data/examples/worcestershire", "--db", db],
            capture_output=True,
            text=True,
            cwd=REPO,
            check=False,
        )
        assert loaded.returncode == 0, loaded.stderr
        text, tables = _shown("plan", db, monkeypatch, area=AREA)
        shown.append((re.sub(r"\d\d/\d\d/\d{4} \d\d:\d\d", "<time>", _without_build_time(text)), tables))
    (text_file, frames_file), (text_pg, frames_pg) = shown
    assert "Small grants programme for schools and youth organisations" in text_pg + " ".join(
        " ".join(map(str, f.to_numpy().ravel())) for f in frames_pg
    )
    assert text_pg == text_file
    assert len(frames_pg) == len(frames_file)
    for on_pg, on_file in zip(frames_pg, frames_file, strict=True):
        pd.testing.assert_frame_equal(on_pg, on_file)
