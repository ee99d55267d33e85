"""The template CSV read two ways (Arrow with numbers typed, or every cell as text): the same rows and problems
whichever way a file is read, whole or streamed in blocks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.ingest.pipeline import prepare
from metrics.ingest.problems import ProblemLog
from metrics.ingest.readers import template_csv
from metrics.ingest.text import TEMPLATE_COLUMNS, read_header, template_columns
from tests.fixtures.make_broken import GOOD, HEADER, csv_text

TRICKY_NUMBERS = [
    "1.5",
    " 1.5 ",
    "1e3",
    "+1",
    ".5",
    "5.",
    "-0",
    "\t8",
    "inf",
    "",
    "nan",
    "1,5",
    "1.5%",
    "  ",
    "0x10",
    "NA",
    "=1+2",
    "@x",
    "1_000",
    "Infinity",
    "-inf",
    "NaN",
    "1e400",
    "0.1",
    "1.0000000000000002",
]


@pytest.mark.parametrize("cell", TRICKY_NUMBERS)
def test_typed_and_text_template_reads_agree(tmp_path, cell):
    """The fast read (numbers parsed by the CSV reader) either gives exactly the rows and problems of the text
    read (every cell as text, then pd.to_numeric) or gives way to it."""
    path = tmp_path / "t.csv"
    path.write_text(csv_text(GOOD) + f'unmet_need_ocu,E10000025,2019/20,Total,"{cell}",,,,,3,10,,\n\n')
    header = read_header(path, "utf-8")
    results = {}
    for typed in (True, False):
        log = ProblemLog("t.csv")
        mapping = template_columns(header, log, lambda i: False)
        try:
            rows = template_csv.template_rows(path, "utf-8", mapping, log, "src", None, numbers_typed=typed)
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
    header = read_header(path, "utf-8")
    out = []
    for typed in (True, False):
        log = ProblemLog(path.name)
        mapping = template_columns(header, log, lambda i: False)
        out.append(template_csv.template_rows(path, "utf-8", mapping, log, "src", None, numbers_typed=typed))
    return out


_NUMBER_TEXT = st.one_of(
    st.tuples(
        st.floats(min_value=0, max_value=1e12, allow_nan=False),
        st.sampled_from(["{!r}", "{:.3f}", "{:.15g}", "{:.17g}", "{:e}", " {} "]),
    ).map(lambda t: t[1].format(t[0])),
    st.decimals(min_value=0, max_value=10**9, allow_nan=False, places=6).map(str),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(numbers=st.lists(_NUMBER_TEXT, min_size=1, max_size=30))
def test_fast_read_parses_numbers_exactly_as_the_text_read(tmp_path, numbers):
    """Arrow's number parsing (the fast read) gives bit-for-bit the floats pd.to_numeric gives on the text."""
    path = tmp_path / "n.csv"
    path.write_text(
        HEADER + "".join(f"unmet_need_ocu,E10000025,2019/20,B{i},{x},,,,,,,,\n" for i, x in enumerate(numbers))
    )
    fast, text = _read_both_ways(path)
    pd.testing.assert_frame_equal(fast, text, check_exact=True)


def test_a_bad_number_late_in_a_big_file_is_reported_once(tmp_path, monkeypatch):
    """The typed read gives way part-way through; the problems of its first chunks are not logged twice."""
    monkeypatch.setattr(template_csv, "WHOLE_READ_BYTES", 0)  # streamed in chunks, as a file over 64 MB is

    lines = [
        f"unmet_need_ocu,E10000025,{2000 + i % 20}/{(i % 20 + 1) % 100:02d},B{i},5,,,,,,,,\n"
        for i in range(template_csv.CHUNK_ROWS + 10)
    ]
    lines[3] = "unmet_need_ocu,E10000025,2019/20,=bad,5,,,,,,,,\n"  # a text-cell problem in chunk 1
    lines[-1] = "unmet_need_ocu,E10000025,2019/20,Blast,five,,,,,,,,\n"  # not a number in the last chunk
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "".join(lines))
    p = prepare(path)
    errors = p.errors
    assert len(errors[errors.message.str.contains("formula or spreadsheet injection")]) == 1
    assert errors[errors.message.str.startswith("not a number")]["row"].tolist() == [template_csv.CHUNK_ROWS + 11]


def test_a_file_read_whole_gives_the_rows_it_gives_streamed_in_blocks(tmp_path, monkeypatch):
    """Files up to WHOLE_READ_BYTES are read at once, larger ones block by block: the same rows either way, text
    as categories, row numbers counted across blocks (an empty line included)."""
    lines = [
        f"unmet_need_ocu,E10000{i % 40:03d},{2000 + i % 20}/{(i % 20 + 1) % 100:02d},B{i % 7},{i % 97},,,,,"
        f"{i % 13},{i % 13 + 5},,S{i % 3}\n"
        for i in range(60_000)
    ]
    lines[30_000] = "\n"
    path = tmp_path / "blocks.csv"
    path.write_text(HEADER + "".join(lines))
    whole, _ = _read_both_ways(path)
    monkeypatch.setattr(template_csv, "WHOLE_READ_BYTES", 0)
    monkeypatch.setattr(template_csv, "STREAM_BLOCK_BYTES", 1 << 20)
    mapping = dict(enumerate(TEMPLATE_COLUMNS[: len(read_header(path, "utf-8"))]))  # the file's own columns
    assert len(list(template_csv.arrow_chunks(path, "utf-8", mapping))) > 2
    streamed, _ = _read_both_ways(path)
    pd.testing.assert_frame_equal(whole, streamed, check_exact=True)
    assert whole["_row"].iloc[-1] == len(lines) + 1 and len(whole) == len(lines) - 1
    assert isinstance(whole["area_code"].dtype, pd.CategoricalDtype)


def test_an_empty_line_keeps_the_row_numbers_of_the_rows_after_it(tmp_path):
    """Row numbers are the spreadsheet's: an empty line counts as a row in both reads (and is not stored)."""
    path = tmp_path / "gap.csv"
    path.write_text(
        HEADER + "unmet_need_ocu,E10000025,2019/20,Total,40,,,,,,,,\n\n"
        "unmet_need_ocu,E10000025,2020/21,Total,140,,,,,,,,\n"
    )
    fast, text = _read_both_ways(path)
    assert fast["_row"].tolist() == text["_row"].tolist() == [2, 4]
    p = prepare(path)
    assert p.errors["row"].tolist() == [4] and "over 100" in p.errors["message"].iloc[0]
