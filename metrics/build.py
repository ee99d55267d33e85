"""Build the default database: reference data, the demonstration dataset, then the real published figures.

The build writes to a temporary file next to the target and renames it into place when complete, so an
interrupted build never leaves a half-built database where the app would open it.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from metrics import demo
from metrics.areas import Geography, default_geography
from metrics.catalogue import Catalogue, default_catalogue
from metrics.columns import DEFAULT_BREAKDOWN, OBS_COLUMNS
from metrics.ingest.pipeline import write_revision
from metrics.paths import DATA_DIR
from metrics.store import RevisionInfo, Store

PUBLISHED_VALUES = DATA_DIR / "published_values.csv"


def areas_frame(geography: Geography) -> pd.DataFrame:
    return pd.DataFrame([
        {"area_code": a.code, "area_name": a.name, "level": a.level, "region_code": a.region_code,
         "members": ",".join(a.members) or None}
        for a in geography.areas.values()
    ])


def _number(text: str) -> float:
    """A cell of the published figures as a number; an empty cell is missing."""
    return float(text) if text else np.nan


def published_frame(path: Path = PUBLISHED_VALUES) -> tuple[pd.DataFrame, list[str]]:
    """The real published figures (data/published_values.csv) as observations, and the rows skipped and why."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    skipped: list[str] = []
    rows = []
    for n, (_, r) in enumerate(raw.iterrows()):
        where = f"{path.name} row {n + 2}"
        if not r["metric_key"]:
            skipped.append(f"{where}: {r['metric']!r} matches no catalogue metric")
            continue
        if not r["period"]:
            skipped.append(f"{where}: {r['metric']!r} for {r['area_name']} has no period ({r['note']})")
            continue
        rows.append({
            "metric_key": r["metric_key"], "area_code": r["area_code"], "period": r["period"],
            "breakdown": DEFAULT_BREAKDOWN, "value": _number(r["value"]), "lower95": _number(r["lower_ci_95"]),
            "upper95": _number(r["upper_ci_95"]), "lower998": np.nan, "upper998": np.nan,
            "count": _number(r["count"]), "denominator": _number(r["denominator"]), "value_note": r["note"] or None,
            "source": f"Published: {r['source']}", "is_demo": False,
        })
    return pd.DataFrame(rows, columns=OBS_COLUMNS), skipped


def build_database(path: Path, catalogue: Catalogue | None = None, geography: Geography | None = None,
                   observations: pd.DataFrame | None = None, include_published: bool = True,
                   log=print) -> dict:
    """Build a complete database at `path` (replacing any file there). Returns timings and counts."""
    catalogue = catalogue or default_catalogue()
    geography = geography or default_geography()
    path = Path(path)
    tmp = path.with_name(path.name + ".building")
    for leftover in (tmp, Path(str(tmp) + ".wal")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    facts: dict = {}
    with Store(tmp) as store:
        with store.transaction() as cur:
            store.replace_areas(cur, areas_frame(geography))
            store.set_meta(cur, "dataset", "demonstration" if observations is None else "custom")
        obs = demo.generate(catalogue, geography) if observations is None else observations
        log(f"writing {len(obs):,} demonstration values ...")
        _, summary = write_revision(
            store, obs, RevisionInfo(author="build", action="build", note="Demonstration dataset (not real data)"),
            catalogue, geography)
        facts["demo_rows"] = summary.new
        if include_published:
            published, skipped = published_frame()
            for s in skipped:
                log(f"skipped published figure: {s}")
            write_revision(store, published,
                           RevisionInfo(author="build", action="build", file_name=PUBLISHED_VALUES.name,
                                        note="Real published figures; they replace demonstration values"),
                           catalogue, geography)
            facts.update(published_rows=len(published), published_skipped=len(skipped))
        facts["rows"] = store.count_observations()
    os.replace(tmp, path)
    facts["seconds"] = round(time.perf_counter() - started, 2)
    log(f"built {path} with {facts['rows']:,} values in {facts['seconds']} s")
    return facts


def ensure_default_database(path: Path, log=print) -> bool:
    """Build the default database if it is absent. Returns True when it built one."""
    if Path(path).exists():
        return False
    build_database(Path(path), log=log)
    return True
