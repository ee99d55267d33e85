"""Files with warnings only: accepted, with the warning shown; the template CSV and .xlsx load the same."""

from __future__ import annotations

import openpyxl
import pytest

from metrics.ingest.pipeline import prepare
from tests.fixtures.make_broken import GOOD, HEADER, XLSX_GOOD, csv_text


def _warnings(prepared):
    return prepared.problems[prepared.problems.severity == "warning"]


def test_windows_1252_is_read_with_a_warning(tmp_path):
    path = tmp_path / "cp1252.csv"
    path.write_bytes(csv_text("unmet_need_ocu,E10000034,2019/20,Total,53.2,,,,,,,Cost £5 café,\n").encode("cp1252"))
    p = prepare(path)
    assert p.ok and p.encoding == "cp1252"
    assert p.rows.value_note.iloc[0] == "Cost £5 café"
    assert _warnings(p).message.str.contains("read as Windows-1252").any()


def test_byte_order_mark_is_removed_with_a_warning(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_text(GOOD).encode())
    p = prepare(path)
    assert p.ok and p.rows.metric_key.iloc[0] == "unmet_need_ocu"
    assert _warnings(p).message.str.contains("byte-order mark").any()


def test_source_defaults_to_file_name_and_breakdown_to_total(tmp_path):
    path = tmp_path / "minimal.csv"
    path.write_text("metric_key,area_code,period,value\nunmet_need_ocu,e10000034,2019/20,53.2\n\n\n,,,\n")
    p = prepare(path)
    assert p.ok, p.problems.to_string()
    r = p.rows.iloc[0]
    assert (r.source, r.breakdown, r.area_code, len(p.rows)) == ("Upload minimal.csv", "Total", "E10000034", 1)


def test_legacy_code_is_mapped_with_a_warning(tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_text(csv_text("unmet_need_ocu,E08000016,2019/20,Total,50,,,,,,,,\n"), encoding="utf-8")
    p = prepare(path)
    assert p.ok and p.rows.area_code.iloc[0] == "E08000038"
    assert _warnings(p).message.str.contains("stored under the current code E08000038").any()


def _xlsx(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER.strip().split(","))
    for r in rows:
        ws.append(r)
    wb.save(path)


def test_xlsx_loads_the_same_as_csv(tmp_path, db):
    csv_path, xlsx_path = tmp_path / "t.csv", tmp_path / "t.xlsx"
    csv_path.write_text(
        csv_text(
            "unmet_need_ocu,E10000034,2019/20,Total,53.2,38.8,63,,,1403,2635,,T\n",
            "numbers_in_treatment,E10000034,2020,Total,1200,,,,,1200,,,T\n",
        ),
        encoding="utf-8",
    )
    _xlsx(
        xlsx_path,
        [
            XLSX_GOOD[:12] + ["T"],
            ["numbers_in_treatment", "E10000034", 2020, "Total", 1200, None, None, None, None, 1200, None, None, "T"],
        ],
    )
    a, b = prepare(csv_path), prepare(xlsx_path)
    assert a.ok and b.ok, b.problems.to_string()
    cols = [c for c in a.rows.columns if c != "source"]
    assert a.rows[cols].equals(b.rows[cols])


def test_xlsx_number_stored_as_text_is_accepted_with_a_warning(tmp_path):
    path = tmp_path / "text_numbers.xlsx"
    row = list(XLSX_GOOD)
    row[4] = "53.2"
    _xlsx(path, [row])
    p = prepare(path)
    assert p.ok and p.rows.value.iloc[0] == pytest.approx(53.2)
    w = _warnings(p)
    assert ((w.row == 2) & (w.column == "value") & w.message.str.contains("number stored as text")).any()


def test_ndtms_identical_total_rows_are_kept_once(tmp_path):
    from .conftest import FIXTURES

    lines = (FIXTURES / "ndtms/viewit_export_la_barnet.csv").read_text(encoding="utf-8").splitlines()
    row = next(ln for ln in lines if ln.startswith("2021/22,Barnet,TOTAL,TOTAL,Total,"))
    path = tmp_path / "dup.csv"
    path.write_text("\n".join(lines + [row.replace("TOTAL,TOTAL", "Total,Total")]) + "\n", encoding="utf-8")
    p = prepare(path)
    assert p.ok, p.problems.to_string()
    r = p.rows[(p.rows.metric_key == "numbers_in_treatment") & (p.rows.period == "2021/22")]
    assert r.value.tolist() == [1465]
    assert _warnings(p).message.str.contains("are the same total").any()


def test_a_row_shorter_than_the_header_is_read_with_a_warning_naming_it(tmp_path):
    """A row missing its last cells is read (the missing cells as empty) and named in a warning; a complete row
    and an empty line are not."""
    path = tmp_path / "short.csv"
    path.write_text(
        HEADER + "unmet_need_ocu,E10000025,2019/20,Total,40,,,,,4,10,,\n\nunmet_need_ocu,E10000034,2019/20,Total,41\n"
    )
    p = prepare(path)
    assert p.ok
    warnings = _warnings(p)
    short = warnings[warnings.message.str.startswith("the row has fewer cells than the header")]
    assert short["row"].tolist() == [4] and short["value"].tolist() == ["5 of 13 cells"]
    assert len(p.rows) == 2 and p.rows["value"].tolist() == [40.0, 41.0]
