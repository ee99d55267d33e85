"""Loading an example paper (data/examples/<area>/: plan.csv, commentary.csv, details.csv) into a database, on
purpose only: examples are never part of the default build. Each file is checked and written as the page or
`plan import` would, one revision each, recorded as the example's."""

from __future__ import annotations

import csv
from pathlib import Path

from metrics.areas import Geography
from metrics.catalogue import Catalogue
from metrics.paper.edits import PaperInputError, import_plan, save_commentary, save_details, sha256_bytes
from metrics.paper.plan import prepare_plan
from metrics.store import Store
from metrics.store.narrative import PLAN_ACTIONS


def _records(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def load_example(
    store: Store,
    directory: Path,
    author: str,
    catalogue: Catalogue,
    geography: Geography,
    scope_name: str | None = None,
) -> list[int]:
    """Load the example's plan, commentary and details; the revisions written (each recording `scope_name`). Stops
    at the first file with a problem (PaperInputError naming it), having written the files before it."""
    revisions = []
    plan_file = directory / "plan.csv"
    if plan_file.exists():
        data = plan_file.read_bytes()
        prepared = prepare_plan(data, plan_file.name, catalogue, geography, store.narrative(PLAN_ACTIONS))
        if not prepared.ok:
            raise PaperInputError([f"{plan_file}: {p}" for p in prepared.problems["message"]])
        revisions.append(import_plan(store, prepared, author, sha256_bytes(data), scope_name)[0])
    if (directory / "details.csv").exists():
        fields = {r["field"]: r["value"] for r in _records(directory / "details.csv")}
        area = fields.pop("area_code")
        revisions.append(save_details(store, area, fields, author, geography, scope_name=scope_name)[0])
    if (directory / "commentary.csv").exists():
        for r in _records(directory / "commentary.csv"):
            revisions.append(
                save_commentary(
                    store,
                    r["metric_key"],
                    r["area_code"],
                    r["period"],
                    r["body"],
                    author,
                    catalogue,
                    geography,
                    scope_name=scope_name,
                )[0]
            )
    return revisions
