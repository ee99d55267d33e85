"""Data text made inert where it is shown or written: plain text in Markdown and chart hovers, no formulas in
spreadsheets. Pure functions (no Streamlit), used by the pages, metrics.presentation, the command line and ingest.

Data text (notes, sources, file names, breakdowns) comes from uploaded files, so it may hold anything:
- Streamlit renders st.caption / st.markdown / st.info / st.write text as Markdown (with its own extensions:
  `:red[...]`, `:material/icon:`, `$maths$`), so a note `![x](http://host/p.png)` would make every viewer's browser
  fetch that address. `plain_text` backslash-escapes every ASCII punctuation character (CommonMark lets any of them
  be escaped, and an escaped one is always shown as itself), so the text is shown exactly as stored. Streamlit's
  Markdown also turns addresses in plain text into links after escapes are read (GFM's autolink literals:
  http://..., www...., a@b.c), so an invisible WORD JOINER (U+2060) is put inside "://", "www." and before "@".
- Plotly renders a few HTML tags in hover labels (<b>, <a href>, <br>); `hover_text` escapes them as entities.
- A spreadsheet runs a cell starting with =, +, -, @, tab or carriage return as a formula (OWASP's "CSV
  injection"); `neutralise_cell` / `neutralise_frame` prefix such text with an apostrophe, which Excel and
  LibreOffice show as text. Numbers, and text that is just a number ("-1.5"), are left as they are.
- CSV header lines written as they are ("# Source: ...") would be split into cells at commas by a spreadsheet;
  `neutralise_csv_comment` neutralises each piece.
- Ingest refuses such cells (`looks_like_formula`): =... and @... always, +... and -... when what follows is not a
  plain number but looks like a formula (an operator, a bracket, a pipe, a sheet reference or a cell address).
"""

from __future__ import annotations

import html
import re
import string
from typing import Any

import pandas as pd

# Every ASCII punctuation character: CommonMark's escapable set, which covers Markdown, HTML tags and entities and
# Streamlit's directives (:color[..], :material/..:) and maths ($).
_MARKDOWN_SPECIAL = frozenset(string.punctuation)
_LINE_BREAKS = re.compile(r"\r\n|\r|\n|\u2028|\u2029")
WORD_JOINER = "\u2060"
_AUTOLINK_STARTS = re.compile(r"(?<=:)(?=//)|(?i:(?<=www)(?=\.))|(?=@)")

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?%?")
# After a leading + or -: what makes the rest a formula rather than a signed word or number.
# A comma or quote, then spaces or quotes, then a piece starting like a formula (up to the next comma or quote).
_PIECE_START = re.compile(r"([,\"][\s\"]*)([=+\-@\t][^,\"]*)")
_FORMULA_TAIL = re.compile(r"[-+*/^&|!=()<>;\"]|^\s*\$?[A-Za-z]{1,3}\$?\d+\b|^\s*[A-Za-z_][\w.]*\s*\(")


def plain_text(text: Any) -> str:
    """`text` escaped for any Streamlit widget that renders Markdown, so it is shown literally (line breaks become
    spaces: a caption is one line). None gives ""."""
    if text is None:
        return ""
    s = _AUTOLINK_STARTS.sub(WORD_JOINER, _LINE_BREAKS.sub(" ", str(text)))
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in s)


def hover_text(text: Any) -> str:
    """`text` for a Plotly hover label or chart text: <, > and & as entities, so no tag is drawn."""
    if text is None:
        return ""
    return html.escape(str(text), quote=False)


def is_plain_number(text: str) -> bool:
    """True for text that a spreadsheet reads as a number, not a formula: "-1.5", "+2", "1e3", "12%"."""
    return bool(_PLAIN_NUMBER.fullmatch(text.strip()))


def neutralise_cell(x: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, prefixed with an apostrophe; anything else unchanged."""
    if isinstance(x, str) and x.startswith(FORMULA_PREFIXES) and not is_plain_number(x):
        return "'" + x
    return x


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` with every text cell neutralised, column names included; numeric columns untouched."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.CategoricalDtype) or s.dtype == object or pd.api.types.is_string_dtype(s):
            out[col] = s.astype(object).map(neutralise_cell).astype(object)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def neutralise_csv_comment(line: str) -> str:
    """A free-text line written into a CSV file as it is (a "# Source: ..." header), made inert: a spreadsheet splits
    it at commas and quotes into cells, so each piece that would start a formula gets the apostrophe, and line breaks
    (which would start a new row) become spaces."""
    line = _LINE_BREAKS.sub(" ", str(line))
    line = neutralise_cell(line) if line.startswith(FORMULA_PREFIXES) else line
    return _PIECE_START.sub(lambda m: m.group(1) + ("" if is_plain_number(m.group(2)) else "'") + m.group(2), line)


def looks_like_formula(text: str) -> bool:
    """True for a text cell ingest refuses as a formula or spreadsheet injection (`text` already stripped)."""
    if text.startswith(("=", "@")):
        return True
    if text.startswith(("+", "-")):
        tail = text[1:]
        return not is_plain_number(text) and bool(_FORMULA_TAIL.search(tail))
    return False
