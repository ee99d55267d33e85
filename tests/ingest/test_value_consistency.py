"""Issue 15: a row whose value contradicts its own count and denominator is an error, and nothing is written.

The rule (metrics/ingest/validate.py, _check_value_against_counts): value = count / denominator x multiplier within
half a unit of the value's last decimal, at least 0.05 of the unit, plus what rounding a non-whole count or
denominator can move the quotient (a whole one too where the catalogue marks the counts as modelled: `estimate`);
only metrics whose catalogue entry says `value_is_count_ratio: true` are checked (issue 29), so weighted surveys,
DSRs and counts are not.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from metrics.build import PUBLISHED_VALUES, published_template
from metrics.catalogue import default_catalogue
from metrics.ingest.pipeline import IngestRejected, commit, prepare
from metrics.ingest.problems import ProblemLog
from metrics.ingest.validate import _check_value_against_counts
from metrics.store import Store

from .conftest import FIXTURES

REPO = Path(__file__).resolve().parents[2]
FRACTION_MESSAGE = (
    "value 0.517 does not match count 152 / denominator 294 x 100 = 51.7007; 0.517 looks like a "
    "fraction; this metric is a percentage: 51.7"
)


def _template(tmp_path, *rows: str) -> Path:
    path = tmp_path / "rows.csv"
    path.write_text(
        "metric_key,area_code,period,value,count,denominator\n" + "".join(r + "\n" for r in rows), encoding="utf-8"
    )
    return path


def _consistency_errors(prepared):
    p = prepared.problems
    return p[(p.severity == "error") & p.message.str.contains("does not match count", regex=False)]


def test_fraction_for_a_percentage_is_rejected_by_prepare_and_commit(tmp_path, db):
    prepared = prepare(_template(tmp_path, "continuity_of_care,E10000034,2023/24,0.517,152,294"))
    errors = prepared.errors
    assert not prepared.ok
    assert errors[["row", "column", "value", "message"]].to_dict("records") == [
        {"row": 2, "column": "value", "value": "0.517", "message": FRACTION_MESSAGE}
    ]
    with Store(db) as store:
        before = store.export_fingerprint()
        with pytest.raises(IngestRejected):
            commit(store, prepared, author="test")
        assert store.export_fingerprint() == before


def test_fraction_for_a_percentage_is_rejected_by_the_command_line_with_exit_2(tmp_path, db):
    path = _template(tmp_path, "continuity_of_care,E10000034,2023/24,0.517,152,294")
    with Store(db, read_only=True) as store:
        before = store.export_fingerprint()
    run = subprocess.run(
        [sys.executable, "-m", "metrics", "ingest", str(path), "--db", str(db)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2, run.stdout + run.stderr
    assert FRACTION_MESSAGE in run.stdout and "Rejected: nothing was written." in run.stdout
    with Store(db, read_only=True) as store:
        assert store.export_fingerprint() == before


@pytest.mark.parametrize(
    "row",
    [
        "continuity_of_care,E10000034,2023/24,51.7,152,294",  # 51.7007 written to 1 d.p.
        "continuity_of_care,E10000034,2023/24,51.70,152,294",  # the same padded to 2 d.p.: the 0.05 floor
        "continuity_of_care,E10000034,2023/24,51.70068027,152,294",  # full precision
        "continuity_of_care,E10000034,2023/24,52,152,294",  # a whole percentage: +/- 0.5
        "continuity_of_care,E10000034,2023/24,52.7,10.5,20",  # 52.5: the count's 1 d.p. carries +/- 0.25
        "sharp_object_admissions,E10000034,2023/24,12.5,70,560000",  # per 100,000
        "pupils_ok_to_try_drugs,E92000001,2021,9,100,500",  # a weighted survey (value_is_count_ratio: false)
        "drug_use_last_year,E92000001,2021/22,9.2,1200,10000",  # the same
        "unmet_need_ocu,E10000034,2018/19,54.61674677,1439.333333,2635.333333",  # Fingertips 93517, as published
        "unmet_need_ocu,E10000034,2019/20,53.3,1403,2635",  # 93517 as displayed: modelled 1,403.333 rounded (+/- 0.5)
        "unmet_need_ocu,E10000034,2019/20,53.25,1403.3,2635",  # as in published_values.csv
        "ocu_prevalence,E10000034,2019/20,4.4,1600.5,360000",  # modelled users per 1,000
        "drug_misuse_deaths,E10000034,2020 - 22,5.0,20,190000",  # a DSR: not count / denominator
    ],
)
def test_values_within_their_rounding_pass(tmp_path, row):
    assert _consistency_errors(prepare(_template(tmp_path, row))).empty


@pytest.mark.parametrize(
    "row, tolerance",
    [
        ("continuity_of_care,E10000034,2023/24,51.6,152,294", "0.05"),  # 0.1 off at 1 d.p.
        ("continuity_of_care,E10000034,2023/24,53,152,294", "0.5"),  # 1.3 off a whole number
        ("continuity_of_care,E10000034,2023/24,52.9,10.5,20", "0.3"),  # 0.4 off: beyond 0.05 + 0.25
        ("sharp_object_admissions,E10000034,2023/24,0.0125,70,560000", "0.05"),  # 12.5 written 1,000 times too small
        # a whole count is exact where counts are not modelled: the same figures as 93517's displayed 53.3 fail
        ("continuity_of_care,E10000034,2019/20,53.3,1403,2635", "0.05"),
        ("unmet_need_ocu,E10000034,2019/20,53.4,1403,2635", "0.0790787"),  # 0.155 off: beyond 0.05 + 0.029
        ("unmet_need_ocu,E10000034,2019/20,53.4,1403.3,2635", "0.0620031"),  # 1 d.p. count: +/- 0.05 only
        ("unmet_need_alcohol,E10000034,2018/19,79.9,4261.666667,5290.666667", "0.05"),  # 80.55 published
        ("ocu_prevalence,E10000034,2019/20,4.5,1600.5,360000", "0.0501451"),  # 4.4458 per 1,000
    ],
)
def test_values_beyond_their_rounding_are_errors(tmp_path, row, tolerance):
    errors = _consistency_errors(prepare(_template(tmp_path, row)))
    assert len(errors) == 1 and errors.iloc[0].row == 2 and errors.iloc[0].column == "value"
    value, count, den = row.split(",")[3:]
    assert (
        f"value {float(value):g} does not match count {float(count):g} / denominator {float(den):g}"
        in errors.iloc[0].message
    )
    assert f"beyond rounding (+/- {tolerance})" in errors.iloc[0].message


def test_a_fingertips_row_names_fingertips_columns(tmp_path):
    lines = (FIXTURES / "fingertips/unmet_opiates.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[2].split(",")
    row[header.index("Indicator ID")] = "92544"  # continuity of care: not an estimate, so checked
    row[header.index("Value")], row[header.index("Count")], row[header.index("Denominator")] = "0.517", "152", "294"
    for c in ("Lower CI 95.0 limit", "Upper CI 95.0 limit"):
        row[header.index(c)] = ""
    path = tmp_path / "fingertips.csv"
    path.write_text("\n".join([lines[0], ",".join(row)]) + "\n", encoding="utf-8")
    prepared = prepare(path)
    assert prepared.file_format == "fingertips"
    errors = _consistency_errors(prepared)
    assert errors[["row", "column", "message"]].to_dict("records") == [
        {"row": 2, "column": "Value", "message": FRACTION_MESSAGE}
    ]


@pytest.mark.parametrize(
    "name",
    [
        "fingertips/unmet_opiates.csv",
        "fingertips/unmet_alcohol.csv",
        "ndtms/viewit_export_england.csv",
        "ndtms/viewit_export_la_barnet.csv",
    ],
)
def test_real_samples_are_consistent(name):
    prepared = prepare(FIXTURES / name)
    assert prepared.ok and _consistency_errors(prepared).empty


def test_bundled_published_values_are_consistent(tmp_path):
    # (the build reads published_values.csv as upload-template rows, issue 16)
    template, _ = published_template(PUBLISHED_VALUES, default_catalogue())
    template.to_csv(tmp_path / "published_values.csv", index=False)
    prepared = prepare(tmp_path / "published_values.csv", fmt="template")
    assert prepared.errors.empty
    rows = prepared.rows.astype({"metric_key": str}).reset_index(drop=True)
    rows["_row"] = np.arange(len(rows)) + 2
    inds = default_catalogue().by_key()
    assert (rows["count"].notna() & rows["denominator"].notna() & rows["value"].notna()).sum() >= 3  # checked rows
    log = ProblemLog("published_values.csv")
    _check_value_against_counts(rows, log, inds, rows["metric_key"].isin(list(inds)).to_numpy(), lambda c: c)
    assert log.frame().empty
