"""A second process holding a DuckDB file open, as a command-line ingest does while the dashboard runs."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_HOLD = "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); sys.stdin.read()"


@contextmanager
def file_held_by_another_process(path: Path) -> Iterator[None]:
    """While inside, a real second process has `path` open read-write (DuckDB allows one such process)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdin is not None and holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "ready"
        yield
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


_HOLD_STORE = (
    "import sys; from metrics.store import Store; "
    "s = Store(sys.argv[1], read_only=sys.argv[2] == 'read', lock_wait=0); print('ready', flush=True); "
    "sys.stdin.read(); s.close()"
)


@contextmanager
def store_held_by_another_process(path: Path, mode: str) -> Iterator[int]:
    """While inside, a real second process has `path` open through Store, `mode` 'read' or 'write' (as the
    dashboard or a command does); yields its pid."""
    repo = Path(__file__).resolve().parents[2]
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_STORE, str(path), mode],
        cwd=repo,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdin is not None and holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "ready"
        yield holder.pid
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)


# A second process's attempts to open the file for writing: through the project's Store (its lock) and through
# DuckDB alone (DuckDB's own lock); prints one word for each.
_TRY_WRITE = """
import sys, duckdb
from metrics.store import Store, StoreBusy
try:
    Store(sys.argv[1], lock_wait=0).close()
    print("project:opened")
except StoreBusy:
    print("project:refused")
if sys.argv[2] == "duckdb":
    try:
        duckdb.connect(sys.argv[1]).close()
        print("duckdb:opened")
    except duckdb.IOException:
        print("duckdb:refused")
"""


def second_writer_outcome(path: Path, also_duckdb: bool = True) -> dict[str, str]:
    """What a real second process gets when it tries to open `path` for writing: {'project': 'refused' |
    'opened', 'duckdb': ...} (DuckDB alone only when `also_duckdb`)."""
    repo = Path(__file__).resolve().parents[2]
    run = subprocess.run(
        [sys.executable, "-c", _TRY_WRITE, str(path), "duckdb" if also_duckdb else "project"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return dict(line.split(":", 1) for line in run.stdout.split())
