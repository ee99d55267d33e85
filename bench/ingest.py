"""Upload throughput: validation and commit of a template CSV, against DuckDB's own read_csv and INSERT of the
same file (same run, same machine); and the peak memory of a million-row ingest in its own process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

from bench.datasets import NATIONAL_SCALE
from bench.results import Result, median
from metrics import demo
from metrics.areas import default_geography
from metrics.catalogue import default_catalogue
from metrics.ingest.pipeline import commit, prepare
from metrics.store import OBS_COLUMNS, Store

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_COLUMNS = [c for c in OBS_COLUMNS if c != "is_demo"]


def template_file(path: Path, rows: int) -> Path:
    """A valid template CSV of `rows` rows: national-scale values for locally published metrics, re-sourced."""
    cat = default_catalogue()
    local = [i for i in cat.indicators if i.published_locally and i.tier != "local"]
    frame = demo.generate(
        cat.model_copy(update={"indicators": tuple(local)}), default_geography(), scale=NATIONAL_SCALE
    )
    while len(frame) < rows:  # a million rows: more breakdowns of the same values
        extra = frame.copy()
        extra["breakdown"] = extra["breakdown"] + f" (copy {len(frame) // len(extra)})"
        frame = pd.concat([frame, extra], ignore_index=True)
    frame = frame.head(rows).copy()
    frame["source"] = "Benchmark upload"
    frame[TEMPLATE_COLUMNS].to_csv(path, index=False)
    return path


def _raw_duckdb_load(db: Path, csv: Path) -> float:
    """DuckDB alone: read the CSV and insert it into a table like `observations` (no index, as the store's table
    has none since schema 2), committed."""
    con = duckdb.connect(str(db))
    started = time.perf_counter()
    con.execute("""CREATE TABLE raw_upload (metric_key VARCHAR, area_code VARCHAR, period VARCHAR,
                   breakdown VARCHAR, value DOUBLE, lower95 DOUBLE, upper95 DOUBLE, lower998 DOUBLE,
                   upper998 DOUBLE, count DOUBLE, denominator DOUBLE, value_note VARCHAR, source VARCHAR,
                   published_comparison VARCHAR)""")
    con.execute(f"INSERT INTO raw_upload SELECT * FROM read_csv('{csv}', header=true)")
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


def _copy_to_disk(source: Path, target: Path) -> None:
    """Copy a database and wait until the copy is on disk. Without the wait, the store's COMMIT flushed the
    copy's pages as well as its own: it writes large inserts into the database file, which it then syncs. That
    added ~0.065 s to every commit into the 200 MB national copy, and 0.003-0.008 s once the copy was flushed
    (measured). The load by DuckDB alone logs its rows and syncs only the log, so it never paid for the copy."""
    shutil.copy(source, target)
    with open(target, "rb") as fh:
        os.fsync(fh.fileno())


def _validate_and_commit(db: Path, csv: Path) -> tuple[float, float]:
    """(seconds to validate, seconds to validate and commit) of the file into db, on a fresh Store."""
    with Store(db) as store:
        started = time.perf_counter()
        prepared = prepare(csv)
        validated = time.perf_counter() - started
        if not prepared.ok:
            raise RuntimeError(f"benchmark file rejected: {prepared.errors.head()}")
        commit(store, prepared, author="bench")
        return validated, time.perf_counter() - started


def measure(db: Path, dataset: str, rows: int = 100_000, repeats: int = 9) -> list[Result]:
    """Medians of `repeats` runs, each on a fresh copy of the database, taken in turn with the DuckDB-only load
    (the machine's load changes from second to second: single runs of ~1 s varied by a third, and the ratios of
    five runs in one benchmark ranged from 2.5 to 4.9; nine steady the median)."""
    raw, validated, total = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        csv = template_file(tmp / "upload.csv", rows)
        for _ in range(repeats):
            _copy_to_disk(db, tmp / "raw.duckdb")
            raw.append(_raw_duckdb_load(tmp / "raw.duckdb", csv))
            _copy_to_disk(db, tmp / "work.duckdb")
            v, t = _validate_and_commit(tmp / "work.duckdb", csv)
            validated.append(v)
            total.append(t)
            for f in tmp.glob("*.duckdb*"):  # the files and the copies kept before each write (a folder)
                shutil.rmtree(f) if f.is_dir() else f.unlink()
    raw_s, validated_s, total_s = median(raw), median(validated), median(total)
    runs = ", ".join(f"{t / r:.1f}" for t, r in zip(total, raw))
    return [
        Result(
            f"ingest {rows:,} template rows: validate + commit",
            total_s,
            raw_s,
            "s",
            dataset,
            target_ratio=3.0,
            note=f"medians of {repeats} runs (ratios {runs}); validate {validated_s:.2f} s, commit+derive "
            f"{total_s - validated_s:.2f} s; {rows / total_s:,.0f} rows/s; baseline DuckDB read_csv + "
            "INSERT",
        ),
        Result(f"ingest {rows:,} template rows: validate only", validated_s, raw_s, "s", dataset),
    ]


# The child's own peak RSS. Not getrusage's ru_maxrss: on Linux that survives fork and exec, so a child of a
# large parent (the benchmark holds the national dataset) would report the parent's size.
_PEAK = (
    "def _peak_kb():\n    return int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])\n"
)


def measure_million_memory(db: Path, dataset: str) -> list[Result]:
    """Peak RSS of `python -m metrics ingest` on a million rows, in its own process, beside the peak of a
    process that only imports the same libraries and reads the CSV with DuckDB."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        csv = template_file(tmp / "million.csv", 1_000_000)
        shutil.copy(db, tmp / "work.duckdb")
        started = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                _PEAK + "import sys; from metrics.cli import main;"
                f"rc = main(['ingest', '{csv}', '--db', '{tmp / 'work.duckdb'}', '--no-size-limit']);"
                "print('PEAK_KB', _peak_kb(), file=sys.stderr); sys.exit(rc)",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - started
        if proc.returncode != 0:
            raise RuntimeError(
                f"million-row ingest failed ({proc.returncode}): {proc.stdout[-2000:]} {proc.stderr[-2000:]}"
            )
        peak_kb = int(proc.stderr.split("PEAK_KB")[-1].split()[0])
        baseline = subprocess.run(
            [
                sys.executable,
                "-c",
                _PEAK + "import duckdb, pandas, metrics.ingest.pipeline;"
                f"duckdb.sql(\"SELECT * FROM read_csv('{csv}')\").df();"
                "print(_peak_kb())",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    peak_mb = peak_kb / 1024  # VmHWM is in kB
    base_mb = int(baseline.stdout.strip()) / 1024
    return [
        Result(
            "ingest 1,000,000 template rows: peak memory",
            peak_mb,
            base_mb,
            "MB",
            dataset,
            target_value=1024.0,
            note=f"took {elapsed:.1f} s; baseline: a process reading the same CSV into pandas with DuckDB",
        )
    ]
