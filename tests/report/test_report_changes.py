""" "What changed": after a Fingertips sample is uploaded, the report since the previous revision lists exactly the
area's changed values and verdicts, as the pages showed them before and show them after."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from metrics import presentation as pr
from metrics.areas import ENGLAND_CODE, default_geography
from metrics.catalogue import default_catalogue
from metrics.ingest.pipeline import commit, prepare
from metrics.report import collect
from metrics.report.word import render_docx
from metrics.store import Store
from tests.report.docx_reading import read_docx

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "fingertips" / "unmet_alcohol.csv"
AREA = "E10000034"  # Worcestershire, which the sample revises


def _derived(store: Store, keys: list[str]) -> dict[tuple[str, str], dict]:
    """(metric, period) -> the area's derived row, for every metric: what the trends page reads."""
    out = {}
    for key in keys:
        for r in store.series(key, [AREA, ENGLAND_CODE]).to_dict("records"):
            if r["area_code"] == AREA:
                out[(key, r["period"])] = r
    return out


def _same(a, b) -> bool:
    return (pd.isna(a) and pd.isna(b)) or (not pd.isna(a) and not pd.isna(b) and abs(a - b) < 1e-9)


def test_changes_since_the_previous_revision_are_exactly_the_uploads(db_copy):
    cat, geo = default_catalogue(), default_geography()
    keys = [i.key for i in cat.ordered()]
    with Store(db_copy) as store:
        before = _derived(store, keys)
        previous = int(store.revisions()["revision_id"].max())
        prepared = prepare(SAMPLE)
        assert prepared.ok, prepared.problems
        revision, _ = commit(store, prepared, author="test")
        after = _derived(store, keys)
        # (every derived cell, demonstration ones included, is compared with the report's changes)
        model = collect(store, cat, geo, AREA, "england", since=str(previous), with_demonstration=True)
        items = read_docx(render_docx(model, {}))

    expected_values, expected_verdicts = set(), set()
    for cell, now in after.items():
        ind = cat.get(cell[0])
        old = before.get(cell)
        if old is None:
            expected_values.add(
                (
                    "New period",
                    ind.short_name,
                    cell[1],
                    "no figure",
                    pr.value_with_note(now["value"], ind.unit, now["value_note"]),
                )
            )
            continue
        if not all(_same(old[c], now[c]) for c in ("value", "lower95", "upper95")) or old["is_demo"] != now["is_demo"]:
            expected_values.add(
                (
                    "Revised value",
                    ind.short_name,
                    cell[1],
                    pr.value_with_note(old["value"], ind.unit, old["value_note"]),
                    pr.value_with_note(now["value"], ind.unit, now["value_note"]),
                )
            )
        if old["compared_to_england"] != now["compared_to_england"] and not pd.isna(old["value"]):
            expected_verdicts.add((ind.short_name, cell[1], old["compared_to_england"], now["compared_to_england"]))
    assert expected_values, "the sample changes Worcestershire's figures"
    assert expected_verdicts, "and at least one of its verdicts"

    table = next(i.table for i in items if i.kind == "table" and i.h2 == "Changes to Worcestershire's figures")
    rows = table.to_dict("records")
    found_values = {
        (
            r["Change"],
            r["Indicator"],
            r["Period"],
            r["Before"].split(" (")[0].replace(" [demo]", ""),
            r["After"].split(" (")[0].replace(" [demo]", ""),
        )
        for r in rows
        if r["Change"] in ("New period", "Revised value")
    }
    found_verdicts = {
        (
            r["Indicator"],
            r["Period"],
            r["Before"].removesuffix(" (vs England)"),
            r["After"].removesuffix(" (vs England)"),
        )
        for r in rows
        if r["Change"] == "Verdict changed"
    }
    assert found_values == expected_values
    assert found_verdicts == expected_verdicts
    assert {r["Change"] for r in rows} <= {"New period", "Revised value", "Verdict changed"}
    assert all(
        r["Area"] == "Worcestershire"
        and r["Revision"].startswith(f"revision {revision},")
        and "unmet_alcohol.csv" in r["Revision"]
        for r in rows
    )
    assert all(r["Source"] for r in rows)

    loads = next(i.table for i in items if i.kind == "table" and i.h2 == "Data loaded")
    assert len(loads) == 1 and list(loads.columns) == ["Revision", "By", "New", "Changed", "Removed"]
    assert "(upload of unmet_alcohol.csv)" in loads.iloc[0]["Revision"] and loads.iloc[0]["New"] != ""
    assert "nan" not in loads.iloc[0].tolist()


def test_nothing_changed_since_the_latest_revision(built_db):
    with Store(built_db, read_only=True) as store:
        latest = int(store.revisions()["revision_id"].max())
        model = collect(store, default_catalogue(), default_geography(), AREA, "england", since=str(latest))
    assert model.changes == [] and model.revisions_since == []
    assert model.change_notes == [f"No figure has been loaded or changed since revision {latest}."]


def test_a_date_before_the_first_load_says_every_figure_is_new(built_db):
    with Store(built_db, read_only=True) as store:
        model = collect(store, default_catalogue(), default_geography(), AREA, "england", since="2000-01-01")
    assert model.changes == [] and model.revisions_since
    assert model.since.revision_id is None
    assert "was loaded after 1 January 2000" in model.change_notes[0]
