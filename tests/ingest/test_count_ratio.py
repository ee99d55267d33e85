"""Issue 29: the value check applies wherever the publisher's value is count / denominator x multiplier.

The catalogue's `value_is_count_ratio` decides it per metric: true for modelled prevalence and unmet need too (their
counts are modelled and not whole, yet the value is their ratio), false for weighted surveys. A fraction typed for
unmet need's percentage is refused in every format, and every real row we bundle or hold as a sample still loads.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metrics.build import PUBLISHED_VALUES, published_template, real_files
from metrics.catalogue import default_catalogue
from metrics.cli import main
from metrics.ingest.pipeline import IngestRejected, commit, prepare
from metrics.ingest.problems import ProblemLog
from metrics.ingest.validate import _check_value_against_counts
from metrics.store import Store

from .conftest import FIXTURES

UNMET_NEED_FRACTION = (
    "value 0.473 does not match count 701 / denominator 1482 x 100 = 47.3009; 0.473 looks like a fraction; "
    "this metric is a percentage: 47.3"
)
TEMPLATE_HEADER = "metric_key,area_code,period,breakdown,value,lower95,upper95,count,denominator,value_note,source"
# The real samples we hold (copies of the shared samples, byte for byte).
SAMPLES = [
    "fingertips/unmet_opiates.csv",
    "fingertips/unmet_alcohol.csv",
    "ndtms/viewit_export_england.csv",
    "ndtms/viewit_export_la_barnet.csv",
]


def _template_csv(tmp_path: Path) -> Path:
    path = tmp_path / "unmet_need.csv"
    path.write_text(
        TEMPLATE_HEADER + "\nunmet_need_ocu,E06000060,2019/20,Total,0.473,,,701,1482,,Local analyst\n",
        encoding="utf-8",
    )
    return path


def _template_xlsx(tmp_path: Path) -> Path:
    import openpyxl

    path = tmp_path / "unmet_need.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(TEMPLATE_HEADER.split(","))
    ws.append(["unmet_need_ocu", "E06000060", "2019/20", "Total", 0.473, None, None, 701, 1482, None, "Local analyst"])
    wb.save(path)
    return path


def _fingertips_csv(tmp_path: Path) -> Path:
    # A real 93517 download with Worcestershire's 2018/19 row retyped: the fraction, 701 and 1,482, no limits.
    lines = (FIXTURES / "fingertips/unmet_opiates.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = next(ln for ln in lines[1:] if ",E10000034," in ln and ",2018/19," in ln).split(",")
    for column, value in {
        "Value": "0.473",
        "Count": "701",
        "Denominator": "1482",
        "Lower CI 95.0 limit": "",
        "Upper CI 95.0 limit": "",
    }.items():
        row[header.index(column)] = value
    path = tmp_path / "unmet_need_fingertips.csv"
    path.write_text("\n".join([lines[0], ",".join(row)]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "build, fmt, column",
    [
        (_template_csv, "template", "value"),
        (_template_xlsx, "template", "value"),
        (_fingertips_csv, "fingertips", "Value"),
    ],
    ids=["template-csv", "template-xlsx", "fingertips"],
)
def test_a_fraction_for_unmet_need_is_refused_and_nothing_is_written(tmp_path, db, capsys, build, fmt, column):
    path = build(tmp_path)
    prepared = prepare(path)
    assert prepared.file_format == fmt
    assert not prepared.ok
    assert prepared.errors[["file", "row", "column", "value", "message"]].to_dict("records") == [
        {"file": path.name, "row": 2, "column": column, "value": "0.473", "message": UNMET_NEED_FRACTION}
    ]
    with Store(db) as store:
        before = store.export_fingerprint()
    file_before = hashlib.sha256(db.read_bytes()).hexdigest()
    with Store(db) as store, pytest.raises(IngestRejected):
        commit(store, prepared, author="test")
    assert main(["ingest", str(path), "--db", str(db)]) == 2
    out = capsys.readouterr().out
    assert UNMET_NEED_FRACTION in out and "Rejected: nothing was written." in out
    with Store(db) as store:
        assert store.export_fingerprint() == before
        assert store.export_fingerprint() != ""  # the built database holds values to compare
    assert hashlib.sha256(db.read_bytes()).hexdigest() == file_before


def test_the_same_row_as_a_percentage_loads(tmp_path, db):
    path = tmp_path / "unmet_need.csv"
    path.write_text(TEMPLATE_HEADER + "\nunmet_need_ocu,E06000060,2019/20,Total,47.3,,,701,1482,,Local analyst\n")
    prepared = prepare(path)
    assert prepared.ok, prepared.problems.to_string()
    with Store(db) as store:
        commit(store, prepared, author="test")
        stored = store.export_rows()
    cell = stored[(stored.metric_key == "unmet_need_ocu") & (stored.area_code == "E06000060")]
    assert cell[cell.period == "2019/20"].value.tolist() == [47.3]


# ---------------------------------------------------------------------------------------------------------------
# The field against every real row we bundle or hold as a sample
# ---------------------------------------------------------------------------------------------------------------


def _real_sources(tmp_path: Path) -> dict[str, Path]:
    """Every bundled real file and real sample, by name, as the build and an upload read them."""
    template, _ = published_template(PUBLISHED_VALUES, default_catalogue())
    published = tmp_path / PUBLISHED_VALUES.name
    template.to_csv(published, index=False)
    sources = {f"data/real/{f.path.name}": f.path for f in real_files()}
    sources["data/published_values.csv"] = published
    sources.update({f"tests/fixtures/{name}": FIXTURES / name for name in SAMPLES})
    return sources


@pytest.fixture(scope="module")
def real_rows(tmp_path_factory) -> dict[str, pd.DataFrame]:
    out = {}
    for name, path in _real_sources(tmp_path_factory.mktemp("real")).items():
        prepared = prepare(path, fmt="template" if name == "data/published_values.csv" else "auto")
        assert prepared.errors.empty, f"{name} no longer loads:\n{prepared.errors.to_string()}"
        out[name] = prepared.rows.astype({"metric_key": str}).reset_index(drop=True)
    return out


def test_every_bundled_real_file_and_sample_is_read(real_rows):
    assert set(real_rows) == {
        "data/real/ons_drug_misuse_deaths_utla_2001-03_to_2019-21_fingertips_layout.csv",
        "data/real/csew_drug_use_last_year_england_wales_1995_to_ye_jun2022_template.csv",
        "data/published_values.csv",
        *(f"tests/fixtures/{name}" for name in SAMPLES),
    }
    assert all(len(rows) > 0 for rows in real_rows.values())


def _ratio_rows(rows: pd.DataFrame, inds: dict) -> pd.DataFrame:
    """The rows the field says are count / denominator and that give value, count and denominator."""
    ratio = rows["metric_key"].map(lambda m: inds[m].value_is_count_ratio).astype(bool)
    full = rows["value"].notna() & rows["count"].notna() & rows["denominator"].notna()
    return rows[ratio & full].reset_index(drop=True)


def test_every_real_row_of_a_count_ratio_metric_agrees_with_its_count_and_denominator(real_rows):
    inds = default_catalogue().by_key()
    checked: dict[str, int] = {}
    for name, rows in real_rows.items():
        ratio = _ratio_rows(rows, inds)
        if ratio.empty:
            continue
        # the rule, through the validator
        ratio["_row"] = np.arange(len(ratio)) + 2
        log = ProblemLog(name)
        _check_value_against_counts(ratio, log, inds, np.ones(len(ratio), dtype=bool), lambda c: c)
        assert log.frame().empty, f"{name}:\n{log.frame().to_string()}"
        # and by plain arithmetic: every one within the 0.05 floor, with no allowance for rounded counts
        mult = ratio["metric_key"].map(lambda m: inds[m].multiplier).astype(float)
        gap = (ratio["value"] - ratio["count"] / ratio["denominator"] * mult).abs()
        assert gap.max() <= 0.05, f"{name}: {ratio.loc[gap.idxmax()].to_dict()}"
        for key, n in ratio["metric_key"].value_counts().items():
            checked[str(key)] = checked.get(str(key), 0) + int(n)
    # the modelled metrics the field newly checks, and NDTMS's derived completions, are all covered
    assert checked["unmet_need_ocu"] >= 15  # 13 in the 93517 sample + published_values.csv's 3
    assert checked["unmet_need_alcohol"] >= 17
    assert checked["successful_completion_drugs"] >= 10


def test_real_rows_of_metrics_not_count_ratio_are_the_ones_without_counts(real_rows):
    # CSEW and the ONS DSRs: no row carries a count and a denominator that the value could be checked against.
    inds = default_catalogue().by_key()
    for name, rows in real_rows.items():
        not_ratio = ~rows["metric_key"].map(lambda m: inds[m].value_is_count_ratio).astype(bool)
        full = rows["count"].notna() & rows["denominator"].notna()
        assert not (not_ratio & full).any(), name
    assert {"drug_use_last_year", "drug_misuse_deaths"} <= {
        k for rows in real_rows.values() for k in rows["metric_key"].unique()
    }


def test_real_modelled_rows_need_no_allowance_for_rounded_whole_counts(real_rows):
    # The +/- 0.5 for a whole modelled count is for figures typed from a display (1,403 for 1,403.333); the
    # publishers' own rows pass without it.
    inds = {k: i.model_copy(update={"estimate": False}) for k, i in default_catalogue().by_key().items()}
    for name in ("tests/fixtures/fingertips/unmet_opiates.csv", "tests/fixtures/fingertips/unmet_alcohol.csv"):
        ratio = _ratio_rows(real_rows[name], inds)
        assert len(ratio) >= 13
        ratio["_row"] = np.arange(len(ratio)) + 2
        log = ProblemLog(name)
        _check_value_against_counts(ratio, log, inds, np.ones(len(ratio), dtype=bool), lambda c: c)
        assert log.frame().empty


def test_the_templates_example_row_loads(tmp_path):
    # The upload template's guide shows 93517's 53.25 with its counts rounded to whole numbers (1,403 / 2,635).
    from metrics.ingest.template import EXAMPLE
    from metrics.ingest.text import TEMPLATE_COLUMNS

    path = tmp_path / "example.csv"
    pd.DataFrame([EXAMPLE], columns=TEMPLATE_COLUMNS).to_csv(path, index=False)
    prepared = prepare(path)
    assert prepared.ok, prepared.problems.to_string()
    assert prepared.rows[["metric_key", "value", "count", "denominator"]].astype({"metric_key": str}).to_dict(
        "records"
    ) == [{"metric_key": "unmet_need_ocu", "value": 53.25, "count": 1403.0, "denominator": 2635.0}]
