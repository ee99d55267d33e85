"""Every real sample file loads, and specific published values land in the store."""

from __future__ import annotations

import pytest

from metrics.ingest.pipeline import commit, prepare, preview
from metrics.store import Store

from .conftest import FIXTURES


def _load(db, name, **kw):
    prepared = prepare(FIXTURES / name, **kw)
    assert prepared.ok, prepared.problems.to_string()
    with Store(db) as store:
        summary, _table = preview(store, prepared)
        # Issue 15: rows that change only their source or note are counted apart, as described.
        assert summary.new + summary.changed + summary.described + summary.unchanged == len(prepared.rows)
        rid, _written = commit(store, prepared, author="test")
        rows = store.export_rows()
        rev = store.revisions().iloc[0]
    assert rev["revision_id"] == rid and rev["action"] == "upload" and rev["file_name"] == prepared.file_name
    assert rev["sha256"] == prepared.sha256 and rev["file_format"] == prepared.file_format
    return prepared, rows


def _cell(rows, metric, area, period, breakdown="Total"):
    hit = rows[
        (rows.metric_key == metric) & (rows.area_code == area) & (rows.period == period) & (rows.breakdown == breakdown)
    ]
    assert len(hit) == 1, (metric, area, period)
    return hit.iloc[0]


def test_fingertips_opiates(db):
    prepared, rows = _load(db, "fingertips/unmet_opiates.csv")
    assert prepared.file_format == "fingertips" and len(prepared.rows) == 13
    r = _cell(rows, "unmet_need_ocu", "E10000034", "2019/20")
    assert r.value == pytest.approx(53.25069567, abs=1e-9)
    assert r.lower95 == pytest.approx(38.85856079, abs=1e-9) and r.upper95 == pytest.approx(63.05108467, abs=1e-9)
    assert r["count"] == pytest.approx(1403.333333) and r.denominator == pytest.approx(2635)
    assert r.source == "Fingertips indicator 93517 download unmet_opiates.csv"
    assert not r.is_demo
    eng = _cell(rows, "unmet_need_ocu", "E92000001", "2019/20")
    assert eng.value == pytest.approx(52.14774596)


def test_fingertips_alcohol(db):
    prepared, rows = _load(db, "fingertips/unmet_alcohol.csv")
    assert len(prepared.rows) == 17
    r = _cell(rows, "unmet_need_alcohol", "E10000031", "2018/19")
    assert r.value == pytest.approx(79.89793213) and r.upper95 == pytest.approx(84.57822749)


def test_ndtms_barnet(db):
    prepared, rows = _load(db, "ndtms/viewit_export_la_barnet.csv")
    assert prepared.file_format == "ndtms"
    n = _cell(rows, "numbers_in_treatment", "E09000003", "2019/20")
    assert n.value == 1105 and n["count"] == 1105 and "rounded to the nearest 5" in n.value_note
    # 2021/22 spells the totals "TOTAL": still the one all-sexes, all-ages row
    assert _cell(rows, "numbers_in_treatment", "E09000003", "2021/22").value == 1465
    # opiate 50/540 + non-opiate only 55/140 + non-opiate & alcohol 45/155 (alcohol only excluded)
    s = _cell(rows, "successful_completion_drugs", "E09000003", "2019/20")
    assert s["count"] == 150 and s.denominator == 835
    assert s.value == pytest.approx(150 / 835 * 100)
    with Store(db, read_only=True) as store:  # Wilson limits filled by derive for the pages
        shown = store.series("successful_completion_drugs", ["E09000003"]).set_index("period").loc["2019/20"]
    assert shown.lower95 < shown.value < shown.upper95
    assert len(prepared.rows) == 26  # 13 periods x 2 metrics


def test_ndtms_england(db):
    prepared, rows = _load(db, "ndtms/viewit_export_england.csv")
    assert set(prepared.rows.metric_key) == {"numbers_in_treatment"}
    assert _cell(rows, "numbers_in_treatment", "E92000001", "2019/20").value == 270705
    assert _cell(rows, "numbers_in_treatment", "E92000001", "2021/22").value == 289215
    warn = prepared.problems[prepared.problems.severity == "warning"]
    assert warn.message.str.contains("successful_completion_drugs not loaded").any()


def test_ndtms_null_is_missing_not_zero(tmp_path, db):
    src = (FIXTURES / "ndtms/viewit_export_la_barnet.csv").read_text(encoding="utf-8").splitlines()
    header = src[0].split(",")
    col = header.index("intreatment_allintx")
    out = [src[0]]
    for line in src[1:]:
        parts = line.split(",")
        if parts[0] == "2019/20" and parts[2] == "Total" and parts[3] == "Total" and parts[4] == "Total":
            parts[col] = "NULL"
        out.append(",".join(parts))
    path = tmp_path / "barnet_null.csv"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    prepared = prepare(path)
    assert prepared.ok, prepared.problems.to_string()
    r = prepared.rows[(prepared.rows.metric_key == "numbers_in_treatment") & (prepared.rows.period == "2019/20")]
    assert r.value.isna().all() and r["count"].isna().all() and "NULL" in r.value_note.iloc[0]


def test_format_override(db):
    prepared = prepare(FIXTURES / "fingertips/unmet_opiates.csv", fmt="ndtms")
    assert not prepared.ok
    assert prepared.errors.message.str.contains("NDTMS column for period is missing").any()
