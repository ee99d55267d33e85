"""Downloads: CSV and Excel files of a page's table with the notes that say what it is.

CSV files start with comment lines "# Source: ...", "# Data as of: ..." (read them with
`pandas.read_csv(f, comment="#")` or skip lines starting with "#"); each row also carries its own `source` and
`is_demo`. Excel files hold the table on a "data" sheet and the same lines on a "notes" sheet. Every text cell
that a spreadsheet could run as a formula (starting with =, +, -, @, tab or carriage return) gets a leading
apostrophe.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from metrics.catalogue import Indicator
from metrics.presentation.formats import format_value, short_source
from metrics.safety import neutralise_cell, neutralise_csv_comment
from metrics.safety import neutralise_frame as neutralise_formulas

__all__ = [
    "download_file_stem",
    "download_notes",
    "export_frame",
    "neutralise_cell",
    "neutralise_formulas",
    "problems_for_display",
    "to_csv_bytes",
    "to_excel_bytes",
]


def _slug(text: Any) -> str:
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def download_file_stem(*parts: Any) -> str:
    """A download's file name without its extension: "cdof-" and the parts (indicator, area, period ...) in lower
    case, each run of other characters than letters and digits a hyphen ("2021/22 Q1" -> "2021-22-q1")."""
    return "-".join(["cdof", *(s for s in map(_slug, parts) if s)])


def problems_for_display(problems: pd.DataFrame) -> pd.DataFrame:
    """The validation report as the Upload page shows it: a problem of a whole row or of the whole file says so in
    its column, instead of an empty (None) cell. The downloadable report keeps the empty cells."""
    shown = problems.copy()
    column = shown["column"].astype(object)
    no_column = column.isna()
    shown["column"] = column.where(~no_column, np.where(shown["row"].isna(), "(whole file)", "(whole row)"))
    return shown


def problem_sentences(problems: pd.DataFrame, limit: int = 10) -> list[str]:
    """The first `limit` problems, errors first, each as one sentence read in full (a table's cell cuts a long
    message, and the message is what says what to do): where it is, the value, then the message."""
    shown = problems_for_display(problems).sort_values("severity", key=lambda s: s != "error", kind="stable")
    sentences = []
    for p in shown.head(limit).to_dict("records"):
        row, column, value = p["row"], str(p["column"]), p.get("value")
        where = [] if row is None or pd.isna(row) else [f"row {int(row)}"]
        if not column.startswith("("):
            where.append(f"column {column}")
        if value is not None and not pd.isna(value) and str(value) != "":
            where.append(f"value {value!r}")
        place = ", ".join(where) if where else column.strip("()")
        sentences.append(f"{str(p['severity']).capitalize()}, {place}: {p['message']}")
    return sentences


def download_notes(
    title: str, sources: Iterable[Any], data_as_of: datetime | None, any_demo: bool, extra: Sequence[str] = ()
) -> list[str]:
    """The lines that head a download: what it is, its sources, the date of the data, demonstration warning."""
    srcs = sorted({short_source(s) for s in sources if isinstance(s, str) and s})
    lines = [f"Title: {title}"]
    lines.append("Source: " + ("; ".join(srcs) if srcs else "none"))
    when = data_as_of.strftime("%Y-%m-%d %H:%M") if isinstance(data_as_of, datetime) else "unknown"
    lines.append(f"Data as of: {when} (latest change to the dashboard's database)")
    lines.append(f"Downloaded: {datetime.now().strftime('%Y-%m-%d %H:%M')}")
    if any_demo:
        lines.append("WARNING: contains DEMONSTRATION data (rows with is_demo = True), not real figures")
    lines.extend(extra)
    return [neutralise_cell(line.replace("\n", " ")) for line in lines]


def to_csv_bytes(df: pd.DataFrame, notes: Sequence[str]) -> bytes:
    """CSV with leading "# ..." note lines; every field quoted so a "#" inside a value is not read as a comment."""
    buf = io.StringIO()
    for line in notes:
        buf.write("# " + neutralise_csv_comment(line) + "\n")
    neutralise_formulas(df).to_csv(buf, index=False, quoting=1)  # csv.QUOTE_ALL
    return buf.getvalue().encode("utf-8")


def to_excel_bytes(df: pd.DataFrame, notes: Sequence[str], sheet: str = "data") -> bytes:
    """An .xlsx with the table on `sheet` and the note lines on a "notes" sheet; formulas neutralised."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        neutralise_formulas(df).to_excel(xl, sheet_name=sheet, index=False)
        pd.DataFrame({"notes": [neutralise_cell(n) for n in notes]}).to_excel(xl, sheet_name="notes", index=False)
    return buf.getvalue()


def export_frame(rows: pd.DataFrame, ind: Indicator) -> pd.DataFrame:
    """The rows of one metric as a download: names, units and words, plus raw numbers, note and source."""
    cols = {
        "metric_key": "metric_key",
        "area_code": "area_code",
        "area_name": "area_name",
        "period": "period",
        "value": "value",
        "lower95": "lower95",
        "upper95": "upper95",
        "count": "count",
        "denominator": "denominator",
        "value_note": "value_note",
        "compared_to_england": "compared_to_england",
        "recent_trend": "recent_trend",
        "source": "source",
        "is_demo": "is_demo",
    }
    keep = [c for c in cols if c in rows.columns]
    out = rows[keep].copy()
    out.insert(1, "metric_name", ind.name)
    out.insert(2, "unit", ind.unit)
    if "source" in out:
        out["source"] = [short_source(s) for s in out["source"]]
    if "value" in out:
        out["value_shown"] = [
            format_value(v, ind.unit, n) for v, n in zip(out["value"], out.get("value_note", [None] * len(out)))
        ]
    return out.reset_index(drop=True)
