"""Build the default database: reference data, the real published figures, and demonstration values only for
the metrics and areas that have no real figure (a series is real or demonstration, never both).

The build writes to a temporary file next to the target and renames it into place when complete, so an
interrupted build never leaves a half-built database where the app would open it.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from metrics import demo
from metrics.areas import Geography, default_geography
from metrics.catalogue import Catalogue, default_catalogue
from metrics.columns import DEFAULT_BREAKDOWN
from metrics.dfe_cin import dfe_cin_template
from metrics.ingest.pipeline import Prepared, prepare, write_revision
from metrics.ingest.text import TEMPLATE_COLUMNS
from metrics.paths import DATA_DIR, DatabaseUrl
from metrics.store import RevisionInfo, Store, exclusive_use
from metrics.store.connection import lock_path

BUILD_SCOPE = "build (full rights)"  # the scope recorded on the build's revisions

PUBLISHED_VALUES = DATA_DIR / "published_values.csv"
REAL_DIR = DATA_DIR / "real"
ONS_DEATHS = REAL_DIR / "ons_drug_misuse_deaths_utla_2001-03_to_2019-21_fingertips_layout.csv"
CSEW_DRUG_USE = REAL_DIR / "csew_drug_use_last_year_england_wales_1995_to_ye_jun2022_template.csv"
DFE_CIN = REAL_DIR / "dfe_children_in_need_drug_misuse_factor_la_2017-18_to_2024-25_fingertips_layout.csv"
OGL = "Contains public sector information licensed under the Open Government Licence v3.0"

# The ONS table is written in Fingertips' download layout, so the Fingertips reader loads it; its rows then carry
# ONS's citation (the reader would name the file, which is not a source a board can check).
_ONS_DEATHS_RELEASE = (
    "ONS, Drug misuse deaths by local authority, in Deaths related to drug poisoning in England "
    "and Wales: 2021 registrations (3 August 2022), Table {table}; age-standardised rate per "
    "100,000, same definition as OHID Fingertips indicator 92432"
)
ONS_DEATHS_CITATIONS = {
    DEFAULT_BREAKDOWN: _ONS_DEATHS_RELEASE.format(table="6 (persons)"),
    "Male": _ONS_DEATHS_RELEASE.format(table="7 (males)"),
    "Female": _ONS_DEATHS_RELEASE.format(table="8 (females)"),
}

# published_values.csv names its metrics as its publishers did; rows without a Fingertips indicator ID are
# matched to the catalogue by that name. A name listed with None has no catalogue metric (skipped, and said so).
PUBLISHED_METRIC_NAMES = {
    "Numbers in treatment (adults; drugs and alcohol)": "numbers_in_treatment",
    "Numbers in treatment (adults; all substances)": "numbers_in_treatment",
    "Successful completion of drug treatment (adults)": "successful_completion_drugs",
}


class BuildFailed(Exception):
    """A bundled file did not load cleanly; the build stops rather than ship a database without it."""


@dataclass
class RealFile:
    path: Path
    fmt: str
    note: str
    citations: dict[str, str] | None = None  # breakdown -> citation, replacing the reader's source


def real_files() -> list[RealFile]:
    return [
        RealFile(
            ONS_DEATHS,
            "fingertips",
            "ONS drug misuse deaths by local authority, 2001-03 to 2019-21",
            ONS_DEATHS_CITATIONS,
        ),
        RealFile(CSEW_DRUG_USE, "template", "ONS Crime Survey for England and Wales, drug use in the last year"),
    ]


def areas_frame(geography: Geography) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "area_code": a.code,
                "area_name": a.name,
                "level": a.level,
                "region_code": a.region_code,
                "members": ",".join(a.members) or None,
            }
            for a in geography.areas.values()
        ]
    )


def published_template(path: Path, catalogue: Catalogue) -> tuple[pd.DataFrame, list[str]]:
    """data/published_values.csv as upload-template rows, and the rows skipped and why."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    by_id = {str(i.fingertips_id): i.key for i in catalogue.indicators if i.fingertips_id}
    skipped: list[str] = []
    rows = []
    for n, (_, r) in enumerate(raw.iterrows()):
        where = f"{path.name} row {n + 2}"
        if r["fingertips_id"]:
            key = by_id.get(r["fingertips_id"])
        elif r["metric"] in PUBLISHED_METRIC_NAMES:
            key = PUBLISHED_METRIC_NAMES[r["metric"]]
        else:
            raise BuildFailed(
                f"{where}: metric {r['metric']!r} has no Fingertips ID and is not in "
                "metrics/build.py PUBLISHED_METRIC_NAMES; add it there (None if the catalogue has "
                "no such metric)"
            )
        if key is None:
            skipped.append(f"{where}: {r['metric']!r} matches no catalogue metric")
            continue
        if not r["period"]:
            skipped.append(f"{where}: {r['metric']!r} for {r['area_name']} has no period ({r['note']})")
            continue
        rows.append(
            {
                "metric_key": key,
                "area_code": r["area_code"],
                "period": r["period"],
                "breakdown": DEFAULT_BREAKDOWN,
                "value": r["value"],
                "lower95": r["lower_ci_95"],
                "upper95": r["upper_ci_95"],
                "lower998": "",
                "upper998": "",
                "count": r["count"],
                "denominator": r["denominator"],
                "value_note": r["note"],
                "source": r["source"],
                "published_comparison": r.get("published_comparison", ""),
            }
        )
    return pd.DataFrame(rows, columns=TEMPLATE_COLUMNS), skipped


def prepare_real(real: RealFile, catalogue: Catalogue, geography: Geography, file_name: str | None = None):
    """Read and validate one bundled real file as an upload is; any error stops the build."""
    prepared = prepare(real.path, file_name=file_name, fmt=real.fmt, catalogue=catalogue, geography=geography)
    if not prepared.errors.empty or prepared.rows.empty:
        shown = prepared.errors.head(20).to_string(index=False) if not prepared.errors.empty else "no rows"
        raise BuildFailed(f"bundled file {real.path} did not load ({len(prepared.errors)} errors):\n{shown}")
    if real.citations:
        breakdowns = prepared.rows["breakdown"].astype(str)
        unknown = sorted(set(breakdowns) - set(real.citations))
        if unknown:
            raise BuildFailed(f"bundled file {real.path}: no citation for breakdowns {unknown}")
        prepared.rows["source"] = breakdowns.map(real.citations).astype("category")
    return prepared


def without_demo_where_real(demo_rows: pd.DataFrame, real_rows: list[pd.DataFrame]) -> pd.DataFrame:
    """The demonstration rows of metrics and areas with no real value: a series is real or demonstration."""
    real_keys = pd.concat([r[["metric_key", "area_code"]].astype(str) for r in real_rows]).drop_duplicates()
    cells = pd.MultiIndex.from_frame(demo_rows[["metric_key", "area_code"]].astype(str))
    return demo_rows.loc[~cells.isin(pd.MultiIndex.from_frame(real_keys))].reset_index(drop=True)


def build_database(
    path: Path | DatabaseUrl,
    catalogue: Catalogue | None = None,
    geography: Geography | None = None,
    observations: pd.DataFrame | None = None,
    include_published: bool = True,
    log=print,
) -> dict:
    """Build a complete database at `path` (replacing any file there). Returns timings and counts. Holds the
    file's lock throughout: a process using the file makes it wait, then refuses (StoreBusy)."""
    if isinstance(path, DatabaseUrl):  # PostgreSQL: the build swaps its schema in in one transaction
        return _build(path, catalogue, geography, observations, include_published, log)
    with exclusive_use(Path(path), on_wait=log):
        return _build(Path(path), catalogue, geography, observations, include_published, log)


def _build(
    path: Path | DatabaseUrl,
    catalogue: Catalogue | None,
    geography: Geography | None,
    observations: pd.DataFrame | None,
    include_published: bool,
    log,
) -> dict:
    catalogue = catalogue or default_catalogue()
    geography = geography or default_geography()
    started = time.perf_counter()
    facts: dict = {}
    if isinstance(path, DatabaseUrl):
        return _build_postgres(path, catalogue, geography, observations, include_published, log, started)
    path = Path(path)
    tmp = path.with_name(path.name + ".building")
    for leftover in (tmp, Path(str(tmp) + ".wal")):
        leftover.unlink(missing_ok=True)
    with Store(tmp) as store:
        _fill(store, catalogue, geography, observations, include_published, log, facts)
    os.replace(tmp, path)
    lock_path(tmp).unlink(missing_ok=True)  # the scratch file's lock: nothing else opens the scratch file
    facts["seconds"] = round(time.perf_counter() - started, 2)
    log(f"built {path} with {facts['rows']:,} values in {facts['seconds']} s")
    return facts


def _build_postgres(url, catalogue, geography, observations, include_published, log, started) -> dict:
    """Build into a schema of its own, then swap it in for the store's in one transaction (as the file is built
    beside and renamed): servers reading the database see the old data or the new, never a half-built store."""
    from metrics.store.postgres.database import BUILDING_SCHEMA, PgStore, drop_building_schema, swap_in_built_schema

    facts: dict = {}
    drop_building_schema(url.url)
    try:
        with PgStore(url.url, schema=BUILDING_SCHEMA) as store:
            _fill(store, catalogue, geography, observations, include_published, log, facts)
    except BaseException:
        drop_building_schema(url.url)
        raise
    swap_in_built_schema(url.url)
    facts["seconds"] = round(time.perf_counter() - started, 2)
    log(f"built {url} with {facts['rows']:,} values in {facts['seconds']} s")
    return facts


def _fill(store, catalogue, geography, observations, include_published, log, facts: dict) -> None:
    """The default build's revisions, written into an empty store."""
    with store.transaction() as cur:
        store.replace_areas(cur, areas_frame(geography))
        store.set_meta(cur, "dataset", "demonstration" if observations is None else "custom")
    real: list[tuple[RealFile, Prepared]] = []
    if include_published:
        real = [(f, prepare_real(f, catalogue, geography)) for f in real_files()]
        published, skipped = published_template(PUBLISHED_VALUES, catalogue)
        for s in skipped:
            log(f"skipped published figure: {s}")
        # The areas left out (DfE's Inner/Outer London, retired codes) are listed in data/real/SOURCE.md: a
        # fact about the bundled file, not something the person building the database can act on.
        cin, _left_out = dfe_cin_template(DFE_CIN, geography)
        with tempfile.TemporaryDirectory() as scratch:
            as_template = Path(scratch) / PUBLISHED_VALUES.name
            published.to_csv(as_template, index=False)
            single = RealFile(as_template, "template", "single figures as their publishers cited them")
            real.append((single, prepare_real(single, catalogue, geography, file_name=PUBLISHED_VALUES.name)))
            cin_template = Path(scratch) / DFE_CIN.name
            cin.to_csv(cin_template, index=False)
            cin_file = RealFile(
                cin_template, "template", "DfE children in need, drug misuse as a factor at assessment, table C3"
            )
            real.append((cin_file, prepare_real(cin_file, catalogue, geography, file_name=DFE_CIN.name)))
        facts["published_skipped"] = len(skipped)
    obs = demo.generate(catalogue, geography) if observations is None else observations
    if real:
        obs = without_demo_where_real(obs, [p.rows for _, p in real])
    log(f"writing {len(obs):,} demonstration values ...")
    _, summary = write_revision(
        store,
        obs,
        RevisionInfo(author="build", action="build", note="Demonstration dataset (not real data)", scope=BUILD_SCOPE),
        catalogue,
        geography,
    )
    facts["demo_rows"] = summary.new
    for f, prepared in real:
        log(f"writing {len(prepared.rows):,} real values from {prepared.file_name} ...")
        _, rsum = write_revision(
            store,
            prepared.rows,
            RevisionInfo(
                author="build",
                action="build",
                file_name=prepared.file_name,
                sha256=prepared.sha256,
                file_format=prepared.file_format,
                note=f"Real published figures: {f.note}. {OGL}",
                scope=BUILD_SCOPE,
            ),
            catalogue,
            geography,
        )
        facts["real_rows"] = facts.get("real_rows", 0) + rsum.new
    facts["rows"] = store.count_observations()


def ensure_default_database(path: Path | DatabaseUrl, log=print) -> bool:
    """Build the default database if it is absent. Returns True when it built one. On PostgreSQL, servers
    starting at once build it once (the others wait, then find it built)."""
    if isinstance(path, DatabaseUrl):
        from metrics.store.postgres.database import build_lock

        with build_lock(path.url):
            if path.exists():
                return False
            build_database(path, log=log)
        return True
    if Path(path).exists():
        return False
    with exclusive_use(Path(path), on_wait=log):
        if Path(path).exists():  # another process built it while this one waited
            return False
        _build(Path(path), None, None, None, True, log)
    return True
