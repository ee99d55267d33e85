"""The datasets the benchmarks run on: the bundled default, and a deterministic national-scale one."""

from __future__ import annotations

import time
from pathlib import Path

from metrics import demo
from metrics.areas import default_geography
from metrics.build import build_database
from metrics.catalogue import default_catalogue

# 15 years of annual periods, 5 years of quarters, sex / age / deprivation breakdowns: > 1 million values.
NATIONAL_SCALE = demo.Scale(
    first_year=2009,
    last_year=2023,
    quarterly_years=5,
    breakdowns=(
        ("Male", 0.49),
        ("Female", 0.51),
        ("Age 18-24", 0.12),
        ("Age 25-34", 0.22),
        ("Age 35-49", 0.33),
        ("Age 50-64", 0.23),
        ("Age 65+", 0.10),
        ("Most deprived quintile", 0.26),
        ("Least deprived quintile", 0.15),
    ),
)


def build(kind: str, out_dir: Path, log=print) -> tuple[Path, dict]:
    """Build the 'default' or 'national' database into out_dir; returns its path and build facts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{kind}.duckdb"
    if kind == "default":
        facts = build_database(path, log=lambda m: None)
        return path, facts
    started = time.perf_counter()
    obs = demo.generate(default_catalogue(), default_geography(), scale=NATIONAL_SCALE)
    generated = time.perf_counter() - started
    log(f"national dataset: {len(obs):,} values generated in {generated:.1f} s; writing ...")
    facts = build_database(path, observations=obs, log=lambda m: None)
    facts["generate_seconds"] = round(generated, 2)
    return path, facts
