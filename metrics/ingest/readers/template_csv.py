"""The project's template as CSV, read two ways: Arrow's CSV reader with the number columns parsed as floats (the
fast read), or, when some cell or row is not plain, every cell as text, which reports each problem with its row
and column. Both give the same rows (tests/ingest/test_template_csv.py reads files both ways)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd

from metrics.ingest.problems import ProblemLog
from metrics.ingest.text import (
    NUMERIC,
    TEMPLATE_REQUIRED,
    FileUnreadable,
    ReadResult,
    canonical_rows,
    concat_rows,
    empty_rows,
    log_short_rows,
    normalise_name,
    read_header,
    template_columns,
)

CHUNK_ROWS = 200_000
# Files up to this size are read whole, as one chunk, by Arrow's multi-threaded reader (the fastest way); larger
# files are streamed in blocks so that a million-row file never holds its whole Arrow table beside its rows.
WHOLE_READ_BYTES = 64 << 20
STREAM_BLOCK_BYTES = 16 << 20


class NumbersNotPlain(ValueError):
    """The fast read met a cell or row it cannot take as it is; read the file as text instead."""


def read_template_csv(path: Path, file_name: str, log: ProblemLog, encoding: str, progress=None) -> ReadResult:
    header = read_header(path, encoding)
    if not [h for h in header if str(h).strip()]:
        log.add(None, None, None, "the file is empty; expected a header row and at least one data row")
        raise FileUnreadable
    # Columns without a name: do they hold anything? (read only those columns)
    unnamed = [i for i, h in enumerate(header) if not normalise_name(h)]
    filled: set[int] = set()
    if unnamed:
        for chunk in pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            encoding=encoding,
            usecols=unnamed,
            chunksize=CHUNK_ROWS,
            header=0,
        ):
            for j, c in enumerate(chunk.columns):
                if (chunk[c].str.strip() != "").any():
                    filled.add(unnamed[j])
    mapping = template_columns(header, log, lambda i: i in filled)
    if log.has_errors and not set(TEMPLATE_REQUIRED) <= set(mapping.values()):
        raise FileUnreadable
    default_source = f"Upload {file_name}"
    try:
        rows = template_rows(path, encoding, mapping, log, default_source, progress, numbers_typed=True)
    except NumbersNotPlain:
        # Some cell is not a plain number (or a row is malformed): read every cell as text, which reports each
        # such cell with its row and column. Well-formed files skip this slower path.
        rows = None
    if rows is None:
        try:
            rows = template_rows(path, encoding, mapping, log, default_source, progress, numbers_typed=False)
        except pd.errors.ParserError as exc:
            m = re.search(r"line (\d+)", str(exc))
            log.add(
                int(m[1]) if m else None,
                None,
                None,
                f"the CSV is malformed ({exc}); expected the same "
                "number of cells on every row, with quotes around cells that contain commas",
            )
            raise FileUnreadable from None
        log_short_rows(path, encoding, len(header), log)
    if rows.empty:
        log.add(None, None, None, "the file has a header but no data rows")
        raise FileUnreadable
    return ReadResult(rows)


def template_rows(
    path: Path,
    encoding: str,
    mapping: dict[int, str],
    log: ProblemLog,
    default_source: str,
    progress,
    numbers_typed: bool,
) -> pd.DataFrame:
    """The template's rows, read in chunks.

    With `numbers_typed`, Arrow's CSV reader parses the number columns as floats (several times faster than text
    + pd.to_numeric) and raises NumbersNotPlain at the first cell it cannot take as a plain finite number, or at
    a row with the wrong number of cells; the caller then reads every cell as text, which reports each problem
    with its row and column. Arrow parses numbers correctly rounded, like float(); non-finite results ("nan",
    "inf", "1e400") give way to the text read, so both paths give the same rows.
    """
    parts = []
    first = 2
    # Problems are logged per chunk; a typed read that fails part-way must not leave the first chunks' logs.
    mark = log.mark()
    try:
        for chunk in arrow_chunks(path, encoding, mapping) if numbers_typed else text_chunks(path, encoding, mapping):
            parts.append(canonical_rows(chunk, first, log, default_source))
            first += len(chunk)
            if progress:
                progress(f"read {first - 2:,} rows", None)
    except (NumbersNotPlain, pd.errors.ParserError):
        log.reset_to(mark)
        raise
    return concat_rows(parts) if parts else empty_rows()


def arrow_chunks(path: Path, encoding: str, mapping: dict[int, str]):
    """The template's mapped columns, numbers as float64 and text as categories: the whole file as one chunk, or
    chunks of STREAM_BLOCK_BYTES of a file over WHOLE_READ_BYTES.

    An empty line reads as a row of empty cells (dropped as blank by canonical_rows, still counted in the row
    numbers, as the text read does). The header is skipped by position: columns are matched by `mapping`."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    width = len(read_header(path, encoding))
    names = [f"c{i}" for i in range(width)]
    used = sorted(mapping)
    # Text as dictionaries: pandas receives categories, which canonical_rows handles per distinct value.
    text_type = pa.dictionary(pa.int32(), pa.string())
    types = {names[i]: pa.float64() if mapping[i] in NUMERIC else text_type for i in used}
    numeric = [names[i] for i in used if mapping[i] in NUMERIC]
    read_options = {
        "column_names": names,
        "skip_rows": 1,
        # UTF-8 with a byte-order mark: the mark is in the header, which is skipped
        "encoding": "utf8" if encoding in ("utf-8", "utf-8-sig") else encoding,
    }
    parse_options = pacsv.ParseOptions(ignore_empty_lines=False)
    convert_options = pacsv.ConvertOptions(
        column_types=types, include_columns=[names[i] for i in used], null_values=[""], strings_can_be_null=False
    )

    def as_chunk(table_or_batch):
        for c in numeric:
            if pc.any(pc.invert(pc.is_finite(table_or_batch.column(c)))).as_py():
                raise NumbersNotPlain(f"a number in column {c} is not finite")
        chunk = table_or_batch.to_pandas()  # a whole table's dictionaries unify into one set of categories
        chunk.columns = [mapping[i] for i in used]
        return chunk

    try:
        if Path(path).stat().st_size <= WHOLE_READ_BYTES:
            table = pacsv.read_csv(
                path,
                read_options=pacsv.ReadOptions(**read_options, block_size=1 << 22),
                parse_options=parse_options,
                convert_options=convert_options,
            )
            if table.num_rows:  # as the stream, which gives no batch for a file of a header only
                yield as_chunk(table)
            return
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(**read_options, block_size=STREAM_BLOCK_BYTES),
            parse_options=parse_options,
            convert_options=convert_options,
        )
        for batch in reader:
            yield as_chunk(batch)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise NumbersNotPlain(str(exc)) from None


def text_chunks(path: Path, encoding: str, mapping: dict[int, str]):
    """Chunks of the template's mapped columns, every cell as text (pandas' C parser, strict about row length)."""
    reader = pd.read_csv(
        path,
        encoding=encoding,
        chunksize=CHUNK_ROWS,
        skip_blank_lines=False,
        header=0,
        on_bad_lines="error",
        index_col=False,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
    )
    for chunk in _strict_chunks(reader):
        chunk = chunk.iloc[:, sorted(mapping)]
        chunk.columns = [mapping[i] for i in sorted(mapping)]
        yield chunk


def _strict_chunks(reader):
    """Chunks of a CSV reader, turning pandas' 'more cells than the header' warning into a parse error."""
    it = iter(reader)
    while True:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            try:
                chunk = next(it)
            except StopIteration:
                return
        if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
            raise pd.errors.ParserError("a row has more cells than the header (line 2)")
        yield chunk
