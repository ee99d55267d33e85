"""Readers for the files analysts really have. Each turns a file into canonical rows (the store's columns, plus
`_row`, the Excel row number the values came from) and logs what it could not read.

- template: the project's own tidy template, CSV or .xlsx (docs/upload-template.md)
- fingertips: a Fingertips data download (26 or 27 columns, read by column name)
- ndtms: an NDTMS ViewIt export, local-authority or England header style (config/ndtms_mapping.yaml)

Nothing here checks meaning (known metric, area, period, ranges): metrics.ingest.validate does that for all
formats at once.
"""
from __future__ import annotations

import codecs
import csv
import difflib
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from metrics.catalogue import Catalogue
from metrics.ingest.problems import ERROR, WARNING, ProblemLog
from metrics.paths import CONFIG_DIR
from metrics.safety import looks_like_formula
from metrics.store import DEFAULT_BREAKDOWN, OBS_COLUMNS

FORMATS = ("template", "fingertips", "ndtms")
CANONICAL = [c for c in OBS_COLUMNS if c != "is_demo"]
NUMERIC = ["value", "lower95", "upper95", "lower998", "upper998", "count", "denominator"]
TEXT = ["metric_key", "area_code", "period", "breakdown", "value_note", "source"]
TEMPLATE_REQUIRED = ["metric_key", "area_code", "period", "value"]
TEMPLATE_COLUMNS = ["metric_key", "area_code", "period", "breakdown", "value", "lower95", "upper95", "lower998",
                    "upper998", "count", "denominator", "value_note", "source"]
CHUNK_ROWS = 200_000
# Template CSVs up to this size are read whole by Arrow's multi-threaded reader: 100k rows (17 MB) in 0.036 s,
# against 0.06-0.09 s streamed block by block, and as one chunk (no per-chunk work, no joining of chunks). Larger
# files are streamed in 16 MB blocks so that a million-row file never holds its whole Arrow table beside the
# pandas rows (measured on this 2-core machine, medians of 7 reads).
WHOLE_READ_BYTES = 64 << 20
STREAM_BLOCK_BYTES = 16 << 20
INJECTION_PREFIXES = ("=", "@")


class FileUnreadable(Exception):
    """The file as a whole can't be read (already logged)."""


@dataclass
class ReadResult:
    rows: pd.DataFrame  # CANONICAL + ["_row"]
    file_format: str
    encoding: str | None = None


# ---------------------------------------------------------------------------------------------- encoding
def sniff_encoding(path: Path, log: ProblemLog) -> str:
    """UTF-8, UTF-8 with a byte-order mark, or Windows-1252 (with a warning); anything else is an error."""
    with open(path, "rb") as fh:
        head = fh.read(4)
    if not head or not Path(path).stat().st_size:
        log.add(None, None, None, "the file is empty; expected a header row and at least one data row")
        raise FileUnreadable
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        log.add(None, None, None, "the file is UTF-16 (Excel's 'Unicode Text'); save it as 'CSV UTF-8' instead")
        raise FileUnreadable
    bom = head[:3] == codecs.BOM_UTF8
    if _decodes(path, "utf-8"):
        if bom:
            log.add(1, None, None, "the file starts with a byte-order mark (Excel's 'CSV UTF-8'); it was removed "
                    "and the file read as UTF-8", WARNING)
        return "utf-8-sig" if bom else "utf-8"
    if _decodes(path, "cp1252"):
        log.add(None, None, None, "the file is not UTF-8; it was read as Windows-1252 (Excel's plain 'CSV'). "
                "Check characters such as £, é or curly quotes; save as 'CSV UTF-8' to avoid this", WARNING)
        return "cp1252"
    log.add(None, None, None, "the file is neither UTF-8 nor Windows-1252 text; save it as 'CSV UTF-8'")
    raise FileUnreadable


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        return True
    except UnicodeDecodeError:
        return False


def read_header(path: Path, encoding: str) -> list[str]:
    with open(path, encoding=encoding, newline="") as fh:
        reader = csv.reader(io.StringIO(fh.read(256 * 1024)))
        try:
            return next(reader)
        except StopIteration:
            return []


def _norm(name) -> str:
    return " ".join(str(name or "").replace("\ufeff", "").strip().lower().replace("_", " ").split())


# ---------------------------------------------------------------------------------------------- detection
def detect_format(header: list[str]) -> str | None:
    names = {_norm(h) for h in header}
    if {"indicator id", "area code"} <= names:
        return "fingertips"
    if "metric key" in names:
        return "template"
    if names & {"reportingperiod", "reportingperiod data"} and names & {"area", "area data"}:
        return "ndtms"
    return None


# ---------------------------------------------------------------------------------------------- template
def _excel_date_period(value) -> str:
    """The message for a period that Excel turned into a date."""
    if isinstance(value, (datetime, date)):
        d = value
    else:
        text = str(value).strip()
        d = None
        for fmt in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y", "%d/%m/%Y %H:%M", "%d-%b-%y", "%b-%y"):
            try:
                d = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if d is None and re.fullmatch(r"\d{5}(\.0+)?", text):  # an Excel serial date number
            d = datetime(1899, 12, 30) + pd.Timedelta(days=int(float(text)))
        if d is None:
            return ""
    nxt = (d.year + 1) % 100
    if nxt in (d.day, d.month):
        guess = f"'{d.year}/{nxt:02d}'"
    else:
        guess = "a period such as '2019/20'"
    return (f"looks like Excel turned {guess} into a date; format the period column as Text and type the "
            "period again")


def text_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct values) of a text column: a category's codes as they are, else factorized. A missing
    cell has code -1."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), values.cat.categories.to_numpy(dtype=object)
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    return codes, np.asarray(distinct, dtype=object)


def categorical(codes: np.ndarray, values) -> pd.Categorical:
    """Rows taking value `values[code]` (-1: missing) as a Categorical. `values` may repeat a value or hold None
    (missing): the categories are its distinct text values."""
    recode, distinct = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    return pd.Categorical.from_codes(np.append(recode, -1)[codes],
                                     categories=pd.Index(distinct, dtype="str"))


def concat_rows(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Row chunks one after another, text columns kept as categories (pd.concat would turn categories that
    differ between chunks into a string per cell)."""
    if len(parts) == 1:
        return parts[0]
    out = {}
    for c in parts[0].columns:
        columns = [p[c] for p in parts]
        if isinstance(columns[0].dtype, pd.CategoricalDtype):
            out[c] = pd.api.types.union_categoricals(columns)
        else:
            out[c] = np.concatenate([x.to_numpy() for x in columns])
    return pd.DataFrame(out)


def _canonical_chunk(raw: pd.DataFrame, first_row: int, log: ProblemLog, default_source: str) -> pd.DataFrame:
    """Cells of template columns -> canonical typed rows, text as categories. `first_row` is the Excel row of
    raw's first row.

    Text is stripped, checked and parsed once per distinct value of a column, not once per cell: a column holds
    a few dozen metrics, ~160 areas, some periods and breakdowns (100k rows: ~0.04 s per chunk less, measured)."""
    raw = raw.reset_index(drop=True)
    rows = np.arange(first_row, first_row + len(raw))
    typed = [c for c in raw.columns if pd.api.types.is_float_dtype(raw[c])]  # numbers already parsed
    # Each text column as (row -> index into its stripped distinct values); missing cells read as "".
    text: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    blank = np.ones(len(raw), dtype=bool)
    for c in raw.columns:
        if c in typed:
            blank &= raw[c].isna().to_numpy()
            continue
        codes, distinct = text_codes(raw[c])
        stripped = np.array([str(v).strip() for v in distinct] + [""], dtype=object)
        index = np.where(codes < 0, len(distinct), codes)
        text[c] = (index, stripped)
        blank &= (stripped == "")[index]
    rows = rows[~blank]
    text = {c: (index[~blank], stripped) for c, (index, stripped) in text.items()}
    out = pd.DataFrame({"_row": rows})
    for c in raw.columns:
        if c in typed:
            out[c] = raw[c].to_numpy(float)[~blank] + 0.0  # + 0.0: "-0" reads as 0.0, as pd.to_numeric gives
            continue
        index, stripped = text[c]
        injected = np.fromiter((looks_like_formula(v) for v in stripped), bool, len(stripped))
        inj = injected[index]
        if inj.any():
            log.add_rows(rows[inj], c, stripped[index[inj]], "the cell starts with '=', '@', or '+'/'-' and a "
                         "formula: a formula or spreadsheet injection; expected a plain value (paste values only)",
                         rule="injection")
        if c in NUMERIC:
            numbers = pd.to_numeric(pd.Series(np.where(injected, "", stripped), dtype=object),
                                    errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            not_number = ((stripped != "") & np.isnan(numbers) & ~injected)[index]
            if not_number.any():
                log.add_rows(rows[not_number], c, stripped[index[not_number]], "not a number; expected a number "
                             "like 12.5 (leave the cell empty for a missing value; no % signs, commas or words)",
                             rule="not a number")
            out[c] = numbers[index]
    for c in NUMERIC:
        if c not in out:
            out[c] = np.nan
    # An empty breakdown is the total, an empty source the upload's own label, an empty note no note.
    empty_is = {"breakdown": DEFAULT_BREAKDOWN, "source": default_source, "value_note": None}
    for c in TEXT:
        index, stripped = text.get(c, (np.zeros(len(rows), dtype=np.intp), np.array([""], dtype=object)))
        if c in empty_is:
            stripped = np.where(stripped == "", empty_is[c], stripped)
        out[c] = categorical(index, stripped)
    return out[CANONICAL + ["_row"]]


def _template_columns(header: list[str], log: ProblemLog, has_values) -> dict[int, str]:
    """Header position -> canonical column; logs missing and unknown columns."""
    mapping: dict[int, str] = {}
    aliases = {c.replace("_", " "): c for c in TEMPLATE_COLUMNS}
    for i, h in enumerate(header):
        name = _norm(h)
        letter = _col_letter(i)
        if not name or name.startswith("unnamed"):
            if has_values(i):
                log.add(1, f"column {letter}", h, "this column has values but no name in row 1; expected one of "
                        + ", ".join(TEMPLATE_COLUMNS))
            continue
        if name in aliases:
            if aliases[name] in mapping.values():
                log.add(1, str(h), h, f"column {aliases[name]!r} appears twice; expected each column once")
            mapping[i] = aliases[name]
            continue
        near = difflib.get_close_matches(name.replace(" ", "_"), TEMPLATE_COLUMNS, n=1, cutoff=0.6)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        log.add(1, str(h), h, f"unknown column{hint} Expected only: " + ", ".join(TEMPLATE_COLUMNS))
    for c in TEMPLATE_REQUIRED:
        if c not in mapping.values():
            log.add(1, c, None, f"required column {c!r} is missing; the template's columns are "
                    + ", ".join(TEMPLATE_COLUMNS))
    return mapping


def _col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def read_template_csv(path: Path, file_name: str, log: ProblemLog, encoding: str, progress=None) -> ReadResult:
    header = read_header(path, encoding)
    if not [h for h in header if str(h).strip()]:
        log.add(None, None, None, "the file is empty; expected a header row and at least one data row")
        raise FileUnreadable
    # Columns without a name: do they hold anything? (read only those columns)
    unnamed = [i for i, h in enumerate(header) if not _norm(h)]
    filled: set[int] = set()
    if unnamed:
        for chunk in pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding=encoding,
                                 usecols=unnamed, chunksize=CHUNK_ROWS, header=0):
            for j, c in enumerate(chunk.columns):
                if (chunk[c].str.strip() != "").any():
                    filled.add(unnamed[j])
    mapping = _template_columns(header, log, lambda i: i in filled)
    if log.has_errors and not set(TEMPLATE_REQUIRED) <= set(mapping.values()):
        raise FileUnreadable
    default_source = f"Upload {file_name}"
    try:
        rows = _template_rows(path, encoding, mapping, log, default_source, progress, numbers_typed=True)
    except NumbersNotPlain:
        # Some cell is not a plain number (or a row is malformed): read every cell as text, which reports each
        # such cell with its row and column. Well-formed files skip this slower path.
        rows = None
    if rows is None:
        try:
            rows = _template_rows(path, encoding, mapping, log, default_source, progress, numbers_typed=False)
        except pd.errors.ParserError as exc:
            m = re.search(r"line (\d+)", str(exc))
            log.add(int(m[1]) if m else None, None, None, f"the CSV is malformed ({exc}); expected the same "
                    "number of cells on every row, with quotes around cells that contain commas")
            raise FileUnreadable from None
        _log_short_rows(path, encoding, len(header), log)
    if rows.empty:
        log.add(None, None, None, "the file has a header but no data rows")
        raise FileUnreadable
    return ReadResult(rows, "template", encoding)


def _log_short_rows(path: Path, encoding: str, width: int, log: ProblemLog, exported_by: str | None = None
                    ) -> None:
    """Rows with fewer cells than the header. The text read fills the missing cells with "", as it reads empty
    ones, so a truncated row would otherwise pass unseen (the template's fast read gives way to the text read on
    such a row, so only files read as text need this pass). In the template a warning: a spreadsheet may leave out
    empty cells at the end of a row. In a file `exported_by` a system (Fingertips, NDTMS), which writes every cell
    of every row, an error: the file was cut short or edited, and a cut row would replace stored values with
    missing ones."""
    with open(path, newline="", encoding=encoding) as fh:
        reader = csv.reader(fh)
        next(reader, None)
        short = [(n, len(cells)) for n, cells in enumerate(reader, start=2)
                 if len(cells) < width and any(c.strip() for c in cells)]
    if not short:
        return
    if exported_by:
        message, severity = (f"the row has fewer cells than the header, which an export from {exported_by} never "
                             f"has: the file may have been cut short or edited. Download or export it again from "
                             f"{exported_by}"), ERROR
    else:
        message, severity = ("the row has fewer cells than the header; the missing cells at its end were read as "
                             "empty. Check that the row is complete (a spreadsheet may leave out empty cells at the "
                             "end of a row)"), WARNING
    log.add_rows([n for n, _ in short], None, [f"{k} of {width} cells" for _, k in short], message, severity,
                 rule="short row")


def _template_rows(path: Path, encoding: str, mapping: dict[int, str], log: ProblemLog, default_source: str,
                   progress, numbers_typed: bool) -> pd.DataFrame:
    """The template's rows, read in chunks.

    With `numbers_typed`, Arrow's CSV reader parses the number columns as floats (several times faster than text
    + pd.to_numeric) and raises NumbersNotPlain at the first cell it cannot take as a plain finite number, or at
    a row with the wrong number of cells; the caller then reads every cell as text, which reports each problem
    with its row and column. Arrow parses numbers correctly rounded, like float(); non-finite results ("nan",
    "inf", "1e400") give way to the text read, so both paths give the same rows (tests/ingest/test_accepted.py
    reads every accepted file both ways).
    """
    parts = []
    first = 2
    # Problems are logged per chunk; a typed read that fails part-way must not leave the first chunks' logs.
    mark = log.mark()
    try:
        for chunk in (_arrow_chunks(path, encoding, mapping) if numbers_typed
                      else _text_chunks(path, encoding, mapping)):
            parts.append(_canonical_chunk(chunk, first, log, default_source))
            first += len(chunk)
            if progress:
                progress(f"read {first - 2:,} rows", None)
    except (NumbersNotPlain, pd.errors.ParserError):
        log.reset_to(mark)
        raise
    return concat_rows(parts) if parts else _empty()


class NumbersNotPlain(ValueError):
    """The fast read met a cell or row it cannot take as it is; read the file as text instead."""


def _arrow_chunks(path: Path, encoding: str, mapping: dict[int, str]):
    """The template's mapped columns, numbers as float64 and text as categories: the whole file as one chunk, or
    chunks of STREAM_BLOCK_BYTES of a file over WHOLE_READ_BYTES.

    An empty line reads as a row of empty cells (dropped as blank by _canonical_chunk, still counted in the row
    numbers, as the text read does). The header is skipped by position: columns are matched by `mapping`."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    width = len(read_header(path, encoding))
    names = [f"c{i}" for i in range(width)]
    used = sorted(mapping)
    # Text as dictionaries: pandas receives categories, which _canonical_chunk handles per distinct value.
    text_type = pa.dictionary(pa.int32(), pa.string())
    types = {names[i]: pa.float64() if mapping[i] in NUMERIC else text_type for i in used}
    numeric = [names[i] for i in used if mapping[i] in NUMERIC]
    read_options = dict(column_names=names, skip_rows=1,
                        # UTF-8 with a byte-order mark: the mark is in the header, which is skipped
                        encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding)
    parse_options = pacsv.ParseOptions(ignore_empty_lines=False)
    convert_options = pacsv.ConvertOptions(column_types=types, include_columns=[names[i] for i in used],
                                           null_values=[""], strings_can_be_null=False)

    def as_chunk(table_or_batch):
        for c in numeric:
            if pc.any(pc.invert(pc.is_finite(table_or_batch.column(c)))).as_py():
                raise NumbersNotPlain(f"a number in column {c} is not finite")
        chunk = table_or_batch.to_pandas()  # a whole table's dictionaries unify into one set of categories
        chunk.columns = [mapping[i] for i in used]
        return chunk

    try:
        if Path(path).stat().st_size <= WHOLE_READ_BYTES:
            table = pacsv.read_csv(path, read_options=pacsv.ReadOptions(**read_options, block_size=1 << 22),
                                   parse_options=parse_options, convert_options=convert_options)
            if table.num_rows:  # as the stream, which gives no batch for a file of a header only
                yield as_chunk(table)
            return
        reader = pacsv.open_csv(path, read_options=pacsv.ReadOptions(**read_options, block_size=STREAM_BLOCK_BYTES),
                                parse_options=parse_options, convert_options=convert_options)
        for batch in reader:
            yield as_chunk(batch)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise NumbersNotPlain(str(exc)) from None


def _text_chunks(path: Path, encoding: str, mapping: dict[int, str]):
    """Chunks of the template's mapped columns, every cell as text (pandas' C parser, strict about row length)."""
    reader = pd.read_csv(path, encoding=encoding, chunksize=CHUNK_ROWS, skip_blank_lines=False, header=0,
                         on_bad_lines="error", index_col=False, dtype=str, keep_default_na=False, na_filter=False)
    for chunk in _strict_chunks(reader):
        chunk = chunk.iloc[:, sorted(mapping)]
        chunk.columns = [mapping[i] for i in sorted(mapping)]
        yield chunk


def _strict_chunks(reader):
    """Chunks of a CSV reader, turning pandas' 'more cells than the header' warning into a parse error."""
    import warnings

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


def read_template_xlsx(path: Path, file_name: str, log: ProblemLog, progress=None) -> ReadResult:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # not a zip, corrupt, password-protected
        log.add(None, None, None, f"cannot open as an Excel workbook ({type(exc).__name__}); expected an .xlsx "
                "saved by Excel")
        raise FileUnreadable from None
    try:
        ws = wb.worksheets[0]
        if len(wb.worksheets) > 1:
            log.add(None, None, None, f"the workbook has {len(wb.worksheets)} sheets; only the first, "
                    f"{ws.title!r}, was read", WARNING)
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if header is None or not any(v not in (None, "") for v in header):
            log.add(None, None, None, "the workbook's first sheet is empty; expected a header row and data rows")
            raise FileUnreadable
        header = ["" if h is None else str(h) for h in header]
        cells: list[list] = [[] for _ in header]
        extra_filled: set[int] = set()
        for r in it:
            for i in range(len(header)):
                cells[i].append(r[i] if i < len(r) else None)
            for i in range(len(header), len(r)):
                if r[i] not in (None, ""):
                    extra_filled.add(i)
    finally:
        wb.close()
    filled = {i for i, col in enumerate(cells) if any(v not in (None, "") for v in col)} | extra_filled
    header += [""] * (max(extra_filled, default=-1) + 1 - len(header))
    mapping = _template_columns(header, log, lambda i: i in filled)
    if not set(TEMPLATE_REQUIRED) <= set(mapping.values()):
        raise FileUnreadable
    data = {}
    for i, c in mapping.items():
        strs = []
        for n, v in enumerate(cells[i]):
            row = n + 2
            if isinstance(v, str) and v.startswith("="):
                log.add_rows([row], c, [v], "a formula cell; expected a plain value (copy the column and "
                             "Paste Special > Values)", rule="formula")
                strs.append("")
                continue
            if v is None:
                strs.append("")
            elif isinstance(v, (datetime, date)):
                if c == "period":
                    log.add_rows([row], c, [v.isoformat(sep=" ")], _excel_date_period(v), rule="excel date")
                    strs.append("")
                else:
                    log.add_rows([row], c, [v.isoformat(sep=" ")], "a date; expected a number", rule="date")
                    strs.append("")
            elif isinstance(v, bool):
                strs.append(str(v))
            elif isinstance(v, (int, float)):
                if c == "period" and float(v).is_integer() and 1900 <= v <= 2100:
                    strs.append(str(int(v)))  # a calendar year typed as a number
                elif c == "period":
                    strs.append(repr(v) if isinstance(v, float) else str(v))
                else:
                    strs.append(repr(float(v)))
            else:
                s = str(v)
                if c in NUMERIC and s.strip():
                    try:
                        float(s.strip())
                        log.add_rows([row], c, [s], "a number stored as text; accepted as a number (format the "
                                     "column as Number to silence this)", WARNING, rule="number as text")
                    except ValueError:
                        pass
                strs.append(s)
        data[c] = pd.Series(strs, dtype=str)
    raw = pd.DataFrame(data)
    if raw.empty:
        log.add(None, None, None, "the workbook has a header but no data rows")
        raise FileUnreadable
    rows = _canonical_chunk(raw, 2, log, f"Upload {file_name}")
    if rows.empty:
        log.add(None, None, None, "the workbook has a header but no data rows")
        raise FileUnreadable
    return ReadResult(rows, "template", None)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=float if c in NUMERIC else str) for c in CANONICAL + ["_row"]})


# ---------------------------------------------------------------------------------------------- Fingertips
FT_COLUMNS = {
    "indicator id": "Indicator ID", "area code": "Area Code", "area type": "Area Type", "sex": "Sex",
    "category type": "Category Type", "category": "Category", "time period": "Time period", "value": "Value",
    "lower ci 95.0 limit": "Lower CI 95.0 limit", "upper ci 95.0 limit": "Upper CI 95.0 limit",
    "lower ci 99.8 limit": "Lower CI 99.8 limit", "upper ci 99.8 limit": "Upper CI 99.8 limit",
    "count": "Count", "denominator": "Denominator", "value note": "Value note",
}
FT_REQUIRED = ["indicator id", "area code", "time period", "value"]
# Area types this dashboard holds; rows of other types (districts, ICBs ...) are skipped with a warning.
FT_AREA_TYPES_HELD = {"england", "country", "region", "county & ua", "county", "ua", "counties & uas",
                      "counties & uas (from apr 2021)", "counties & uas (from apr 2023)",
                      "upper tier local authorities (4/21-3/23)", "upper tier local authorities (post 4/23)"}


def _read_text_csv(path: Path, encoding: str, log: ProblemLog, exported_by: str) -> pd.DataFrame:
    """A whole CSV exported by a system as text cells (nothing turned into numbers or NaN yet); malformed files
    and rows cut short are reported."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding=encoding,
                          skip_blank_lines=False, index_col=False)
    except pd.errors.ParserError as exc:
        log.add(None, None, None, f"the CSV is malformed ({exc})")
        raise FileUnreadable from None
    _log_short_rows(path, encoding, len(raw.columns), log, exported_by)
    return raw


def read_fingertips(path: Path, file_name: str, log: ProblemLog, encoding: str, catalogue: Catalogue,
                    progress=None) -> ReadResult:
    raw = _read_text_csv(path, encoding, log, "Fingertips")
    cols = {_norm(c): c for c in raw.columns}
    missing = [FT_COLUMNS[c] for c in FT_REQUIRED if c not in cols]
    if missing:
        for m in missing:
            log.add(1, m, None, f"Fingertips column {m!r} is missing; expected a Fingertips data download")
        raise FileUnreadable
    rows = np.arange(2, 2 + len(raw))

    def col(name: str) -> pd.Series:
        return raw[cols[name]].str.strip() if name in cols else pd.Series([""] * len(raw), dtype=str)

    typed = [c for c in raw.columns if pd.api.types.is_float_dtype(raw[c])]  # numbers already parsed
    blank = np.ones(len(raw), dtype=bool)
    for c in raw.columns:
        blank &= raw[c].isna().to_numpy() if c in typed else (raw[c].str.strip() == "").to_numpy()
    ind_id = col("indicator id")
    by_id = {str(i.fingertips_id): i.key for i in catalogue.indicators if i.fingertips_id}
    metric = ind_id.map(by_id)
    unknown = (metric.isna().to_numpy()) & ~blank
    if unknown.any():
        log.add_rows(rows[unknown], "Indicator ID", ind_id[unknown],
                     lambda v: f"Fingertips indicator {v} is not in the catalogue; expected one of "
                     + ", ".join(sorted(by_id)) + " (fingertips_id in config/indicators.yaml)",
                     rule="unknown indicator")
    area_type = col("area type").str.lower()
    other_type = (~area_type.isin(FT_AREA_TYPES_HELD) & (area_type != "")).to_numpy() & ~blank
    if other_type.any():
        for t, n in pd.Series(col("area type")[other_type]).value_counts().items():
            first = int(rows[other_type & (col("area type") == t).to_numpy()][0])
            log.add(first, "Area Type", t, f"{n:,} rows of area type {t!r} were skipped: the dashboard holds "
                    "England, regions and upper-tier local authorities", WARNING)
    keep = ~blank & ~other_type
    sex = col("sex")
    cat_type, cat = col("category type"), col("category")
    breakdown = np.where(cat != "", cat_type + ": " + cat, "")
    sex_part = np.where(sex.str.lower().isin(["persons", ""]), "", sex)
    bd = pd.Series(np.where((sex_part != "") & (breakdown != ""), sex_part + ", " + breakdown,
                            np.where(sex_part != "", sex_part, breakdown)), dtype=str)
    bd = bd.where(bd != "", DEFAULT_BREAKDOWN)
    raw_canon = pd.DataFrame({
        "metric_key": metric.fillna("(unknown indicator)").astype(str), "area_code": col("area code"),
        "period": col("time period"),
        "breakdown": bd,
    })
    for name, canon in [("value", "value"), ("lower ci 95.0 limit", "lower95"), ("upper ci 95.0 limit", "upper95"),
                        ("lower ci 99.8 limit", "lower998"), ("upper ci 99.8 limit", "upper998"),
                        ("count", "count"), ("denominator", "denominator"), ("value note", "value_note")]:
        raw_canon[canon] = col(name).to_numpy()
    raw_canon["source"] = ("Fingertips indicator " + ind_id + " download " + file_name).to_numpy()
    # reuse the template conversion (numbers, injection) on the kept rows, with Fingertips' column names
    raw_canon = raw_canon.loc[keep]
    kept_rows = rows[keep]
    canon = _canonical_chunk(raw_canon.reset_index(drop=True), 2, _Renamer(log, kept_rows), "")
    canon["_row"] = kept_rows[canon["_row"].to_numpy() - 2]
    if canon.empty:
        log.add(None, None, None, "the file has no data rows")
        raise FileUnreadable
    return ReadResult(canon, "fingertips", encoding)


class _Renamer(ProblemLog):
    """Passes problems to a log with Fingertips' column names and the real row numbers."""

    NAMES = {"value": "Value", "lower95": "Lower CI 95.0 limit", "upper95": "Upper CI 95.0 limit",
             "lower998": "Lower CI 99.8 limit", "upper998": "Upper CI 99.8 limit", "count": "Count",
             "denominator": "Denominator", "value_note": "Value note", "area_code": "Area Code",
             "period": "Time period", "metric_key": "Indicator ID", "breakdown": "Category", "source": "source"}

    def __init__(self, log: ProblemLog, rows: np.ndarray):
        self._log, self._rows = log, rows

    def add_rows(self, rows, column, values, message, severity=ERROR, rule=None):
        real = self._rows[np.asarray(rows, dtype=int) - 2]
        self._log.add_rows(real, self.NAMES.get(column, column), values, message, severity, rule)

    def add(self, row, column, value, message, severity=ERROR, rule=None):
        self._log.add(row, column, value, message, severity, rule)


# ---------------------------------------------------------------------------------------------- NDTMS
NDTMS_MAPPING = CONFIG_DIR / "ndtms_mapping.yaml"


def load_ndtms_mapping(path: Path = NDTMS_MAPPING) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def read_ndtms(path: Path, file_name: str, log: ProblemLog, encoding: str, geography, mapping: dict | None = None,
               progress=None) -> ReadResult:
    mapping = mapping or load_ndtms_mapping()
    raw = _read_text_csv(path, encoding, log, "NDTMS")
    cols = {c.strip().lower(): c for c in raw.columns}

    def find(names: list[str]) -> str | None:
        return next((cols[n.lower()] for n in names if n.lower() in cols), None)

    role = {r: find(names) for r, names in mapping["columns"].items()}
    for r, c in role.items():
        if c is None:
            log.add(1, " or ".join(mapping["columns"][r]), None,
                    f"NDTMS column for {r} is missing; expected one of {mapping['columns'][r]}")
    if any(c is None for c in role.values()):
        raise FileUnreadable
    rows_no = np.arange(2, 2 + len(raw))
    typed = [c for c in raw.columns if pd.api.types.is_float_dtype(raw[c])]  # numbers already parsed
    blank = np.ones(len(raw), dtype=bool)
    for c in raw.columns:
        blank &= raw[c].isna().to_numpy() if c in typed else (raw[c].str.strip() == "").to_numpy()
    raw = raw.loc[~blank].copy()
    raw["_row"] = rows_no[~blank]
    england_style = role["period"].lower().endswith("_data")
    # Area names -> codes (one look-up per distinct name).
    codes = {}
    for name in raw[role["area"]].str.strip().unique():
        area = geography.find_by_name(name)
        codes[name] = area.code if area else None
        if area is None:
            rows = raw.loc[raw[role["area"]].str.strip() == name, "_row"].to_numpy()
            near = geography.suggest(name)
            hint = f"; did you mean {near.name} ({near.code})?" if near else ""
            log.add_rows(rows, role["area"], [name] * len(rows),
                         f"area name {name!r} matches no area of the dashboard{hint} Expected an upper-tier local "
                         "authority, region or 'England' as NDTMS names them", rule=f"area {name}")
    total_words = {w.lower() for w in mapping["total_words"]}
    sex = raw[role["sex"]].str.strip().str.lower()
    age = raw[role["age"]].str.strip().str.lower()
    drug_syn = {str(k).lower(): v for k, v in mapping["drug_groups"].items()}
    drug_text = raw[role["drug_group"]].str.strip()
    drug = drug_text.str.lower().map(drug_syn)
    bad_drug = drug.isna().to_numpy()
    if bad_drug.any():
        log.add_rows(raw["_row"].to_numpy()[bad_drug], role["drug_group"], drug_text[bad_drug],
                     "unknown drug group; expected one of " + ", ".join(sorted(set(drug_syn))), rule="drug group")
    totals = raw.loc[sex.isin(total_words).to_numpy() & age.isin(total_words).to_numpy() & ~bad_drug].copy()
    totals["_drug"] = drug[totals.index]
    totals["_period"] = totals[role["period"]].str.strip()
    totals["_area_name"] = totals[role["area"]].str.strip()

    totals["_area_code"] = totals["_area_name"].map(codes)

    # "Total" and "TOTAL" both mean all sexes / ages (NDTMS changed the spelling in 2021/22). If one period has
    # both spellings for the same group, identical rows are one row; different rows are an error.
    key = ["_period", "_area_name", "_drug"]
    measure_cols = sorted({c for m in mapping["metrics"].values() for c in _metric_columns(m, england_style, cols)
                           if c})
    dup = totals.duplicated(key, keep=False)
    if dup.any():
        for _, grp in totals[dup].groupby(key, sort=False):
            first = grp.iloc[0]
            same = (grp[measure_cols] == first[measure_cols]).all(axis=None)
            others = ", ".join(str(r) for r in grp["_row"].iloc[1:])
            if same:
                log.add(int(first["_row"]), role["sex"], f"{first[role['sex']]}/{first[role['age']]}",
                        f"rows {first['_row']}, {others} are the same total (spelt differently); one was kept",
                        WARNING, rule="ndtms duplicate total")
            else:
                for r in grp["_row"].iloc[1:]:
                    log.add(int(r), role["sex"], None, f"a second all-sexes, all-ages row for {first['_period']} "
                            f"{first['_area_name']} {first[role['drug_group']]} with different counts from row "
                            f"{first['_row']}; expected one total row", rule="ndtms conflicting total")
        totals = totals.drop_duplicates(key, keep="first")

    rounded_note = None if england_style else mapping.get("rounding_note")
    null_words = {w.upper() for w in mapping["null_words"]}
    out = []
    for metric_key, spec in mapping["metrics"].items():
        num_col, den_col = _metric_columns(spec, england_style, cols)
        if num_col is None or (spec.get("denominator") and den_col is None):
            log.add(None, None, None, f"{metric_key} not loaded: the file has no column {spec['count']}"
                    + (f" / {spec['denominator']}" if spec.get("denominator") else ""), WARNING)
            continue
        part = totals[totals["_drug"].isin(spec["drug_groups"])]
        if part.empty:
            continue
        num_txt = part[num_col].str.strip()
        den_txt = part[den_col].str.strip() if den_col else None
        is_null = num_txt.str.upper().isin(null_words)
        if den_txt is not None:
            is_null |= den_txt.str.upper().isin(null_words)
        num = pd.to_numeric(num_txt.where(~is_null, ""), errors="coerce")
        bad = (num.isna() & ~is_null & (num_txt != "")).to_numpy()
        if bad.any():
            log.add_rows(part["_row"].to_numpy()[bad], num_col, num_txt[bad], "not a number; expected a count or "
                         "NULL", rule="ndtms number")
        frame = pd.DataFrame({"_period": part["_period"], "_area_code": part["_area_code"],
                              "_area_name": part["_area_name"], "_row": part["_row"], "num": num,
                              "null": is_null})
        if den_txt is not None:
            den = pd.to_numeric(den_txt.where(~is_null, ""), errors="coerce")
            bad = (den.isna() & ~is_null & (den_txt != "")).to_numpy()
            if bad.any():
                log.add_rows(part["_row"].to_numpy()[bad], den_col, den_txt[bad], "not a number; expected a count "
                             "or NULL", rule="ndtms number")
            frame["den"] = den
        g = frame.groupby(["_period", "_area_name"], sort=False, dropna=False)
        agg = g.agg(_area_code=("_area_code", "first"), _row=("_row", "min"), null=("null", "any"),
                    num=("num", lambda s: s.sum(min_count=len(s)) if s.notna().all() else np.nan),
                    groups=("num", "size"), **({"den": ("den", lambda s: s.sum(min_count=len(s))
                                                         if s.notna().all() else np.nan)}
                                                 if den_txt is not None else {})).reset_index()
        incomplete = agg["groups"] < len(spec["drug_groups"])
        for _, r in agg[incomplete].iterrows():
            log.add(int(r["_row"]), role["drug_group"], None, f"{metric_key} for {r['_period']} {r['_area_name']}: "
                    f"only {int(r['groups'])} of the drug groups {spec['drug_groups']} have a total row; "
                    "expected all of them", rule="ndtms incomplete groups")
        if spec.get("denominator"):
            value = np.where(agg["den"] > 0, agg["num"] / agg["den"] * 100, np.nan)
            count, denominator = agg["num"], agg["den"]
        else:
            value, count, denominator = agg["num"], agg["num"], np.nan
        notes = []
        for null in agg["null"]:
            parts = [p for p in [("NDTMS: NULL (not applicable)" if null else None), rounded_note,
                                 spec.get("note")] if p]
            notes.append("; ".join(parts) or None)
        out.append(pd.DataFrame({
            "metric_key": metric_key, "area_code": agg["_area_code"].fillna(agg["_area_name"]).astype(str),
            "period": agg["_period"], "breakdown": DEFAULT_BREAKDOWN, "value": np.asarray(value, dtype=float),
            "lower95": np.nan, "upper95": np.nan, "lower998": np.nan, "upper998": np.nan,
            "count": np.asarray(count, dtype=float), "denominator": np.asarray(denominator, dtype=float),
            "value_note": notes, "source": f"NDTMS ViewIt export {file_name}", "_row": agg["_row"].astype(int),
        }))
    rows = pd.concat(out, ignore_index=True) if out else _empty()
    if rows.empty:
        log.add(None, None, None, "no all-sexes, all-ages total rows found; expected rows where sex and age group "
                "are 'Total'")
        raise FileUnreadable
    # names that matched nothing were reported above; keep them out of the code checks
    rows = rows[rows["area_code"].isin(set(c for c in codes.values() if c))].reset_index(drop=True)
    return ReadResult(rows, "ndtms", encoding)


def _metric_columns(spec: dict, england_style: bool, cols: dict) -> tuple[str | None, str | None]:
    def pick(names) -> str | None:
        if not names:
            return None
        names = names if isinstance(names, list) else [names]
        return next((cols[n.lower()] for n in names if n.lower() in cols), None)

    return pick(spec.get("count")), pick(spec.get("denominator"))
