"""A Fingertips refresh from saved responses (`refresh --from`) of ~15 indicators x ~10,000 rows, against the same
rows ingested as one template file (prepare + commit), each on a fresh copy of the same database, taken in turn.

The bodies are demonstration values at national scale written in Fingertips' 27-column layout, under IDs given
to 15 locally published metrics in a copy of the catalogue (a benchmark of the machinery, not of real data).
"""

from __future__ import annotations

import csv
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from bench.datasets import NATIONAL_SCALE
from bench.results import Result, median
from metrics import demo
from metrics.areas import default_geography
from metrics.catalogue import default_catalogue
from metrics.columns import DEFAULT_BREAKDOWN
from metrics.ingest.pipeline import commit, prepare
from metrics.ingest.readers.fingertips import ALL_DATA_HEADER
from metrics.ingest.text import TEMPLATE_COLUMNS
from metrics.sources.fingertips import Body, data_url, load_saved, read_manifest, save_bodies
from metrics.sources.refresh import commit_refresh, plan_refresh
from metrics.store import Store

INDICATORS, ROWS_EACH = 15, 10_000
FIRST_ID = 990001  # IDs given to the benchmark's metrics in its copy of the catalogue
HEADER = ALL_DATA_HEADER


def _catalogue_and_rows():
    cat = default_catalogue()
    local = [i for i in cat.indicators if i.published_locally and i.tier != "local"][:INDICATORS]
    chosen = [i.model_copy(update={"fingertips_id": FIRST_ID + n}) for n, i in enumerate(local)]
    keys = {i.key for i in chosen}
    others = [i.model_copy(update={"fingertips_id": None}) for i in cat.indicators if i.key not in keys]
    bench_cat = cat.model_copy(update={"indicators": tuple(chosen + others)})
    frame = demo.generate(
        bench_cat.model_copy(update={"indicators": tuple(chosen)}), default_geography(), scale=NATIONAL_SCALE
    )
    frame = frame.groupby("metric_key", observed=True).head(ROWS_EACH).reset_index(drop=True)
    return bench_cat, chosen, frame


def _fingertips_body(indicator, rows: pd.DataFrame) -> bytes:
    def text(v) -> str:
        return "" if pd.isna(v) else repr(float(v))

    out = [HEADER]
    for r in rows.itertuples(index=False):
        breakdown = str(r.breakdown)
        sex = breakdown if breakdown in ("Male", "Female") else "Persons"
        category = "" if breakdown in (DEFAULT_BREAKDOWN, "Male", "Female") else breakdown
        out.append(
            [str(indicator.fingertips_id), indicator.name, "", "", r.area_code, "", "", sex, "",
             "Bench" if category else "", category, r.period, text(r.value), text(r.lower95), text(r.upper95),
             text(r.lower998), text(r.upper998), text(r.count), text(r.denominator), "", "", "", "", "", "", "", ""]
        )  # fmt: skip
    buffer = _Lines()
    csv.writer(buffer, lineterminator="\r\n").writerows(out)
    return "".join(buffer.parts).encode("utf-8")


class _Lines:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, s: str) -> None:
        self.parts.append(s)


def measure(db: Path, dataset: str, repeats: int = 3) -> list[Result]:
    bench_cat, chosen, frame = _catalogue_and_rows()
    geography = default_geography()
    refresh_s, template_s = [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        saved = tmp / "saved"
        now = datetime.now(UTC)
        bodies = [
            Body(
                i.fingertips_id,
                data_url("http://fingertips.invalid/api", i.fingertips_id),
                now,
                _fingertips_body(i, frame[frame.metric_key == i.key]),
            )
            for i in chosen
        ]
        save_bodies(saved, bodies)
        template = tmp / "template.csv"
        frame.assign(source="Benchmark upload")[TEMPLATE_COLUMNS].to_csv(template, index=False)
        ids = [i.fingertips_id for i in chosen]
        rows = 0
        for _ in range(repeats):
            shutil.copy(db, tmp / "refresh.duckdb")
            started = time.perf_counter()
            manifest = read_manifest(saved)

            def from_saved(iid: int, manifest: dict = manifest) -> Body:
                return load_saved(saved, iid, manifest)

            with Store(tmp / "refresh.duckdb") as store:
                plan = plan_refresh(store, ids, from_saved, catalogue=bench_cat, geography=geography)
                assert not plan.failed, [r.line() for r in plan.failed]
                commit_refresh(store, plan, "bench", catalogue=bench_cat, geography=geography)
            refresh_s.append(time.perf_counter() - started)
            rows = sum(r.rows for r in plan.results)
            shutil.copy(db, tmp / "template.duckdb")
            started = time.perf_counter()
            prepared = prepare(template, catalogue=bench_cat, geography=geography)
            assert prepared.ok, prepared.errors.head()
            with Store(tmp / "template.duckdb") as store:
                commit(store, prepared, "bench", catalogue=bench_cat, geography=geography)
            template_s.append(time.perf_counter() - started)
            for f in tmp.glob("*.duckdb*"):
                shutil.rmtree(f) if f.is_dir() else f.unlink()
    runs = ", ".join(f"{r / t:.2f}" for r, t in zip(refresh_s, template_s, strict=True))
    return [
        Result(
            f"refresh {len(chosen)} Fingertips indicators from saved responses ({rows:,} rows)",
            median(refresh_s),
            median(template_s),
            "s",
            dataset,
            note=f"medians of {repeats} runs (ratios {runs}); baseline: the same rows as one template file, "
            "prepare + commit",
        )
    ]
