"""Files with warnings only: accepted, with the warning shown; the template CSV and .xlsx load the same."""
from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.ingest.pipeline import commit, prepare
from metrics.store import Store
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
    csv_path.write_text(csv_text("unmet_need_ocu,E10000034,2019/20,Total,53.2,38.8,63,,,1403,2635,,T\n",
                                 "numbers_in_treatment,E10000034,2020,Total,1200,,,,,1200,,,T\n"), encoding="utf-8")
    _xlsx(xlsx_path, [XLSX_GOOD[:12] + ["T"], ["numbers_in_treatment", "E10000034", 2020, "Total", 1200, None,
                                             None, None, None, 1200, None, None, "T"]])
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


TRICKY_NUMBERS = ["1.5", " 1.5 ", "1e3", "+1", ".5", "5.", "-0", "\t8", "inf", "", "nan", "1,5", "1.5%", "  ",
                  "0x10", "NA", "=1+2", "@x", "1_000", "Infinity", "-inf", "NaN", "1e400", "0.1", "1.0000000000000002"]


@pytest.mark.parametrize("cell", TRICKY_NUMBERS)
def test_typed_and_text_template_reads_agree(tmp_path, cell):
    """The fast read (numbers parsed by the CSV reader) either gives exactly the rows and problems of the text
    read (every cell as text, then pd.to_numeric) or gives way to it."""
    import numpy as np
    import pandas as pd

    from metrics.ingest import formats
    from metrics.ingest.problems import ProblemLog

    path = tmp_path / "t.csv"
    path.write_text(csv_text(GOOD) + f'unmet_need_ocu,E10000025,2019/20,Total,"{cell}",,,,,3,10,,\n\n')
    header = formats.read_header(path, "utf-8")
    results = {}
    for typed in (True, False):
        log = ProblemLog("t.csv")
        mapping = formats._template_columns(header, log, lambda i: False)
        try:
            rows = formats._template_rows(path, "utf-8", mapping, log, "src", None, numbers_typed=typed)
        except ValueError:
            assert typed, "the text read never fails on a cell"
            continue
        results[typed] = (rows, log.frame())
    assert False in results
    if True in results:
        pd.testing.assert_frame_equal(results[True][0], results[False][0], check_exact=True)
        pd.testing.assert_frame_equal(results[True][1], results[False][1])
        assert np.signbit(results[True][0]["value"].fillna(1)).sum() == 0
    else:
        assert cell.strip() not in ("1.5", "1e3", "+1", ".5", "5.", "-0", "8", "0.1", "1.0000000000000002")


def _read_both_ways(path):
    from metrics.ingest import formats
    from metrics.ingest.problems import ProblemLog

    header = formats.read_header(path, "utf-8")
    out = []
    for typed in (True, False):
        log = ProblemLog(path.name)
        mapping = formats._template_columns(header, log, lambda i: False)
        out.append(formats._template_rows(path, "utf-8", mapping, log, "src", None, numbers_typed=typed))
    return out


_NUMBER_TEXT = st.one_of(
    st.tuples(st.floats(min_value=0, max_value=1e12, allow_nan=False),
              st.sampled_from(["{!r}", "{:.3f}", "{:.15g}", "{:.17g}", "{:e}", " {} "])
              ).map(lambda t: t[1].format(t[0])),
    st.decimals(min_value=0, max_value=10**9, allow_nan=False, places=6).map(str))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(numbers=st.lists(_NUMBER_TEXT, min_size=1, max_size=30))
def test_fast_read_parses_numbers_exactly_as_the_text_read(tmp_path, numbers):
    """Arrow's number parsing (the fast read) gives bit-for-bit the floats pd.to_numeric gives on the text."""
    import pandas as pd

    path = tmp_path / "n.csv"
    path.write_text(HEADER + "".join(f"unmet_need_ocu,E10000025,2019/20,B{i},{x},,,,,,,,\n"
                                     for i, x in enumerate(numbers)))
    fast, text = _read_both_ways(path)
    pd.testing.assert_frame_equal(fast, text, check_exact=True)


def test_a_bad_number_late_in_a_big_file_is_reported_once(tmp_path, monkeypatch):
    """The typed read gives way part-way through; the problems of its first chunks are not logged twice."""
    from metrics.ingest import formats

    monkeypatch.setattr(formats, "WHOLE_READ_BYTES", 0)  # streamed in chunks, as a file over 64 MB is

    lines = [f"unmet_need_ocu,E10000025,{2000 + i % 20}/{(i % 20 + 1) % 100:02d},B{i},5,,,,,,,,\n"
             for i in range(formats.CHUNK_ROWS + 10)]
    lines[3] = "unmet_need_ocu,E10000025,2019/20,=bad,5,,,,,,,,\n"  # a text-cell problem in chunk 1
    lines[-1] = "unmet_need_ocu,E10000025,2019/20,Blast,five,,,,,,,,\n"  # not a number in the last chunk
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "".join(lines))
    p = prepare(path)
    errors = p.errors
    assert len(errors[errors.message.str.contains("formula or spreadsheet injection")]) == 1
    assert errors[errors.message.str.startswith("not a number")]["row"].tolist() == [formats.CHUNK_ROWS + 11]


def test_a_file_read_whole_gives_the_rows_it_gives_streamed_in_blocks(tmp_path, monkeypatch):
    """Files up to WHOLE_READ_BYTES are read at once, larger ones block by block: the same rows either way, text
    as categories, row numbers counted across blocks (an empty line included)."""
    from metrics.ingest import formats

    lines = [f"unmet_need_ocu,E10000{i % 40:03d},{2000 + i % 20}/{(i % 20 + 1) % 100:02d},B{i % 7},{i % 97},,,,,"
             f"{i % 13},{i % 13 + 5},,S{i % 3}\n" for i in range(60_000)]
    lines[30_000] = "\n"
    path = tmp_path / "blocks.csv"
    path.write_text(HEADER + "".join(lines))
    whole, _ = _read_both_ways(path)
    monkeypatch.setattr(formats, "WHOLE_READ_BYTES", 0)
    monkeypatch.setattr(formats, "STREAM_BLOCK_BYTES", 1 << 20)
    assert len(list(formats._arrow_chunks(path, "utf-8", {i: c for i, c in enumerate(formats.TEMPLATE_COLUMNS)}))) > 2
    streamed, _ = _read_both_ways(path)
    pd.testing.assert_frame_equal(whole, streamed, check_exact=True)
    assert whole["_row"].iloc[-1] == len(lines) + 1 and len(whole) == len(lines) - 1
    assert isinstance(whole["area_code"].dtype, pd.CategoricalDtype)


def test_an_empty_line_keeps_the_row_numbers_of_the_rows_after_it(tmp_path):
    """Row numbers are the spreadsheet's: an empty line counts as a row in both reads (and is not stored)."""
    path = tmp_path / "gap.csv"
    path.write_text(HEADER + "unmet_need_ocu,E10000025,2019/20,Total,40,,,,,,,,\n\n"
                    "unmet_need_ocu,E10000025,2020/21,Total,140,,,,,,,,\n")
    fast, text = _read_both_ways(path)
    assert fast["_row"].tolist() == text["_row"].tolist() == [2, 4]
    p = prepare(path)
    assert p.errors["row"].tolist() == [4] and "over 100" in p.errors["message"].iloc[0]


def test_a_row_shorter_than_the_header_is_read_with_a_warning_naming_it(tmp_path):
    """A row missing its last cells is read (the missing cells as empty) and named in a warning; a complete row
    and an empty line are not."""
    path = tmp_path / "short.csv"
    path.write_text(HEADER + "unmet_need_ocu,E10000025,2019/20,Total,40,,,,,3,10,,\n\n"
                    "unmet_need_ocu,E10000034,2019/20,Total,41\n")
    p = prepare(path)
    assert p.ok
    warnings = _warnings(p)
    short = warnings[warnings.message.str.startswith("the row has fewer cells than the header")]
    assert short["row"].tolist() == [4] and short["value"].tolist() == ["5 of 13 cells"]
    assert len(p.rows) == 2 and p.rows["value"].tolist() == [40.0, 41.0]
