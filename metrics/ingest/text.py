"""What every reader shares: the canonical columns, header names, text cells turned into canonical typed rows
(text as categories), and the reporting of malformed or cut-short CSV files.

A reader turns a file into canonical rows (the store's columns, plus `_row`, the Excel row number the values
came from) and logs what it could not read; metrics.ingest.validate then checks their meaning.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from metrics.columns import DEFAULT_BREAKDOWN, OBS_COLUMNS, OBS_NUMBERS
from metrics.ingest.problems import ERROR, WARNING, ProblemLog
from metrics.safety import looks_like_formula

# What a reader produces: an observation without is_demo (an upload is real; demonstration data is built).
CANONICAL = [c for c in OBS_COLUMNS if c != "is_demo"]
NUMERIC = OBS_NUMBERS
TEXT = [c for c in CANONICAL if c not in NUMERIC]
TEMPLATE_REQUIRED = ["metric_key", "area_code", "period", "value"]
# The template's columns are the canonical ones, in order (published_comparison optional, as every column but the
# required four).
TEMPLATE_COLUMNS = CANONICAL
# Characters no cell should hold, shown by name in problems (quoting them would show nothing, or garble the table).
_CONTROL_NAMES = {0: "NUL", 7: "BEL", 8: "backspace", 11: "vertical tab", 12: "form feed", 27: "ESC", 127: "DEL"}


# The same characters as one pattern: a C-speed search finds the (rare) cells that hold any.
_CONTROL_PATTERN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def control_characters(text: str) -> list[str]:
    """The names of the invisible control characters in `text` (tab, line feed and carriage return are allowed)."""
    return [
        _CONTROL_NAMES.get(ord(ch), f"control character {ord(ch)}")
        for ch in text
        if (ord(ch) < 32 and ch not in "\t\n\r") or ord(ch) == 127
    ]


def visible(text: str) -> str:
    """`text` with each control character replaced by its name in brackets, for a problem's value column."""
    return "".join(f"[{control_characters(ch)[0]}]" if control_characters(ch) else ch for ch in text)


class FileUnreadable(Exception):
    """The file as a whole can't be read (already logged)."""


@dataclass
class ReadResult:
    rows: pd.DataFrame  # CANONICAL + ["_row"]
    # The file's own name of a canonical column, for validation's problems (absent: the canonical name).
    column_names: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------- header
def read_header(path: Path, encoding: str) -> list[str]:
    with open(path, encoding=encoding, newline="") as fh:
        # newline="": a line may end in CR only (old Excel for Mac's 'CSV (Macintosh)'), LF or CR LF.
        reader = csv.reader(io.StringIO(fh.read(256 * 1024), newline=""))
        try:
            return next(reader)
        except StopIteration:
            return []


def normalise_name(name) -> str:
    """A column name as compared: lower case, underscores as spaces, spaces collapsed, no byte-order mark."""
    return " ".join(str(name or "").replace("\ufeff", "").strip().lower().replace("_", " ").split())


def column_letter(i: int) -> str:
    """Excel's letter of the 0-based column i (0 -> A, 26 -> AA)."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def template_columns(header: list[str], log: ProblemLog, has_values) -> dict[int, str]:
    """Header position -> canonical column of the template (CSV or .xlsx); logs missing and unknown columns.
    `has_values(i)` says whether column i holds anything (a column without a name is an error only then)."""
    mapping: dict[int, str] = {}
    aliases = {c.replace("_", " "): c for c in TEMPLATE_COLUMNS}
    for i, h in enumerate(header):
        name = normalise_name(h)
        letter = column_letter(i)
        if not name or name.startswith("unnamed"):
            if has_values(i):
                log.add(
                    1,
                    f"column {letter}",
                    h,
                    "this column has values but no name in row 1; expected one of " + ", ".join(TEMPLATE_COLUMNS),
                )
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
            log.add(
                1,
                c,
                None,
                f"required column {c!r} is missing; the template's columns are " + ", ".join(TEMPLATE_COLUMNS),
            )
    return mapping


# ---------------------------------------------------------------------------------------------- text columns
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
    return pd.Categorical.from_codes(np.append(recode, -1)[codes], categories=pd.Index(distinct, dtype="str"))


def concat_rows(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Row chunks one after another, text columns kept as categories (pd.concat would turn categories that
    differ between chunks into a string per cell)."""
    if len(parts) == 1:
        return parts[0]
    out: dict[Hashable, pd.Categorical | np.ndarray] = {}
    for c in parts[0].columns:
        columns = [p[c] for p in parts]
        if isinstance(columns[0].dtype, pd.CategoricalDtype):
            out[c] = pd.api.types.union_categoricals(columns)
        else:
            out[c] = np.concatenate([x.to_numpy() for x in columns])
    return pd.DataFrame(out)


def empty_rows() -> pd.DataFrame:
    """Canonical rows, none of them."""
    return pd.DataFrame({c: pd.Series(dtype=float if c in NUMERIC else str) for c in CANONICAL + ["_row"]})


# ---------------------------------------------------------------------------------------------- cells -> rows
def canonical_rows(raw: pd.DataFrame, first_row: int, log: ProblemLog, default_source: str) -> pd.DataFrame:
    """Cells named by canonical column -> canonical typed rows, text as categories; blank rows dropped, formula
    injections and cells that are not numbers logged. `first_row` is the Excel row of raw's first row. A float
    column is taken as numbers already parsed (the template's fast read); any other column as text.

    Text is stripped, checked and parsed once per distinct value of a column, not once per cell: a column holds
    a few dozen metrics, ~160 areas, some periods and breakdowns."""
    raw = raw.reset_index(drop=True)
    rows = np.arange(first_row, first_row + len(raw))
    typed = [c for c in raw.columns if pd.api.types.is_float_dtype(raw[c])]
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
        search = _CONTROL_PATTERN.search
        controls = [control_characters(v) if search(v) else [] for v in stripped]
        has_controls = np.array([bool(x) for x in controls], dtype=bool)
        if has_controls.any():
            names = {visible(v): ", ".join(dict.fromkeys(x)) for v, x in zip(stripped, controls) if x}
            _flag_cells(
                log,
                rows,
                c,
                index,
                has_controls,
                np.array([visible(v) if x else v for v, x in zip(stripped, controls)], dtype=object),
                lambda v, names=names: (
                    f"the cell holds invisible control characters ({names[v]}, shown in brackets); "
                    "expected plain text. Retype the cell, or export the file again"
                ),
                "control characters",
            )
            stripped = np.where(has_controls, "", stripped)
        injected = np.fromiter((looks_like_formula(v) for v in stripped), bool, len(stripped))
        _flag_cells(
            log,
            rows,
            c,
            index,
            injected,
            stripped,
            "the cell starts with '=', '@', or '+'/'-' and a formula: a formula or spreadsheet injection; "
            "expected a plain value (paste values only)",
            "injection",
        )
        if c in NUMERIC:
            numbers = pd.to_numeric(
                pd.Series(np.where(injected, "", stripped), dtype=object), errors="coerce"
            ).to_numpy(dtype=float, na_value=np.nan)
            _flag_cells(
                log,
                rows,
                c,
                index,
                (stripped != "") & np.isnan(numbers) & ~injected,
                stripped,
                "not a number; expected a number like 12.5 (leave the cell empty for a missing value; no % signs, "
                "commas or words)",
                "not a number",
            )
            _flag_cells(
                log,
                rows,
                c,
                index,
                np.isinf(numbers) & ~injected,
                stripped,
                "not a finite number (infinity, or beyond the largest number a value can hold); expected an "
                "ordinary number like 12.5",
                "not finite",
            )
            out[c] = np.where(np.isinf(numbers), np.nan, numbers)[index]
    for c in NUMERIC:
        if c not in out:
            out[c] = np.nan
    # An empty breakdown is the total, an empty source the upload's own label, an empty note or published
    # comparison none.
    empty_is = {
        "breakdown": DEFAULT_BREAKDOWN,
        "source": default_source,
        "value_note": None,
        "published_comparison": None,
    }
    for c in TEXT:
        index, stripped = text.get(c, (np.zeros(len(rows), dtype=np.intp), np.array([""], dtype=object)))
        if c in empty_is:
            stripped = np.where(stripped == "", np.asarray(empty_is[c], dtype=object), stripped)
        out[c] = categorical(index, stripped)
    return out[CANONICAL + ["_row"]]


def _flag_cells(log: ProblemLog, rows, column: str, index, flagged, shown, message, rule: str) -> None:
    """One problem for each row whose cell is flagged: `index` maps rows to distinct values, and `flagged` and
    `shown` (the value a problem quotes) are per distinct value."""
    at = flagged[index]
    if at.any():
        log.add_rows(rows[at], column, shown[index[at]], message, rule=rule)


def excel_date_period(value) -> str:
    """The message for a period that Excel turned into a date ("" if `value` does not look like one)."""
    d: date | None
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
    return f"looks like Excel turned {guess} into a date; format the period column as Text and type the period again"


# ---------------------------------------------------------------------------------------------- CSV files
def read_text_csv(
    path: Path, encoding: str, log: ProblemLog, exported_by: str, may_omit_last: bool = False
) -> pd.DataFrame:
    """A whole CSV exported by a system as text cells (nothing turned into numbers or NaN yet); malformed files
    and rows cut short are reported (`may_omit_last`: a row one cell short, its empty last cell left out, is not
    cut short)."""
    try:
        raw = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            encoding=encoding,
            skip_blank_lines=False,
            index_col=False,
        )
    except pd.errors.ParserError as exc:
        log.add(None, None, None, f"the CSV is malformed ({exc})")
        raise FileUnreadable from None
    log_short_rows(path, encoding, len(raw.columns) - int(may_omit_last), log, exported_by)
    return raw


def blank_rows(raw: pd.DataFrame) -> np.ndarray:
    """Rows of a text read whose every cell is empty or spaces."""
    blank = np.ones(len(raw), dtype=bool)
    for c in raw.columns:
        blank &= (raw[c].str.strip() == "").to_numpy()
    return blank


def log_short_rows(path: Path, encoding: str, width: int, log: ProblemLog, exported_by: str | None = None) -> None:
    """Rows with fewer cells than the header. The text read fills the missing cells with "", as it reads empty
    ones, so a truncated row would otherwise pass unseen (the template's fast read gives way to the text read on
    such a row, so only files read as text need this pass). In the template a warning: a spreadsheet may leave out
    empty cells at the end of a row. In a file `exported_by` a system (Fingertips, NDTMS), which writes every cell
    of every row, an error: the file was cut short or edited, and a cut row would replace stored values with
    missing ones."""
    with open(path, newline="", encoding=encoding) as fh:
        reader = csv.reader(fh)
        next(reader, None)
        short = [
            (n, len(cells))
            for n, cells in enumerate(reader, start=2)
            if len(cells) < width and any(c.strip() for c in cells)
        ]
    if not short:
        return
    if exported_by:
        message, severity = (
            (
                f"the row has fewer cells than the header, which an export from {exported_by} never "
                f"has: the file may have been cut short or edited. Download or export it again from "
                f"{exported_by}"
            ),
            ERROR,
        )
    else:
        message, severity = (
            (
                "the row has fewer cells than the header; the missing cells at its end were read as "
                "empty. Check that the row is complete (a spreadsheet may leave out empty cells at the "
                "end of a row)"
            ),
            WARNING,
        )
    log.add_rows(
        [n for n, _ in short], None, [f"{k} of {width} cells" for _, k in short], message, severity, rule="short row"
    )
