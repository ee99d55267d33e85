"""The project's template as an Excel workbook (.xlsx): the first visible sheet, its cells as Excel typed them.

A workbook is a zip; one whose parts expand beyond the configured limit (a shared-strings "bomb") is refused
before openpyxl reads it."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from metrics.ingest.problems import WARNING, ProblemLog
from metrics.ingest.text import (
    NUMERIC,
    TEMPLATE_REQUIRED,
    FileUnreadable,
    ReadResult,
    canonical_rows,
    excel_date_period,
    template_columns,
)


def expanded_size(path: Path) -> int | None:
    """The bytes the workbook's parts take uncompressed, as the zip's directory states them (None: not a zip)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        return None


def read_template_xlsx(path: Path, file_name: str, log: ProblemLog, max_expanded_mb: int | None = None) -> ReadResult:
    import openpyxl

    if max_expanded_mb is None:
        from metrics.settings import default_settings

        max_expanded_mb = default_settings().upload.max_workbook_expanded_mb
    expanded = expanded_size(path)
    if expanded is not None and expanded > max_expanded_mb * 1_000_000:
        log.add(
            None,
            None,
            None,
            f"the workbook expands to {expanded / 1e6:,.0f} MB when opened (its parts, "
            f"uncompressed), more than the {max_expanded_mb:,} MB allowed (upload.max_workbook_expanded_mb in "
            "config/settings.yaml); save the data as 'CSV UTF-8', or split it into smaller workbooks",
        )
        raise FileUnreadable
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # not a zip, corrupt, password-protected
        log.add(
            None,
            None,
            None,
            f"cannot open as an Excel workbook ({type(exc).__name__}); expected an .xlsx saved by Excel",
        )
        raise FileUnreadable from None
    try:
        visible = [w for w in wb.worksheets if getattr(w, "sheet_state", "visible") == "visible"]
        if not visible:
            log.add(
                None,
                None,
                None,
                "the workbook has no visible sheets"
                if wb.worksheets
                else "the workbook has no sheets; expected a sheet with the template's header row and data rows",
            )
            raise FileUnreadable
        ws = visible[0]
        if len(wb.worksheets) > 1:
            hidden = len(wb.worksheets) - len(visible)
            log.add(
                None,
                None,
                None,
                f"the workbook has {len(wb.worksheets)} sheets"
                + (f" ({hidden} hidden)" if hidden else "")
                + f"; only the first visible one, {ws.title!r}, "
                "was read",
                WARNING,
            )
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
    mapping = template_columns(header, log, lambda i: i in filled)
    if not set(TEMPLATE_REQUIRED) <= set(mapping.values()):
        raise FileUnreadable
    data = {}
    for i, c in mapping.items():
        strs = []
        for n, v in enumerate(cells[i]):
            row = n + 2
            if isinstance(v, str) and v.startswith("="):
                log.add_rows(
                    [row],
                    c,
                    [v],
                    "a formula cell; expected a plain value (copy the column and Paste Special > Values)",
                    rule="formula",
                )
                strs.append("")
                continue
            if v is not None and not isinstance(v, (str, int, float, bool, datetime, date)):
                # An array formula (or a data table formula): openpyxl gives an object, never a value.
                text = getattr(v, "text", None)
                log.add_rows(
                    [row],
                    c,
                    [str(text) if text else type(v).__name__],
                    "an array formula cell; expected a plain value (copy the column and Paste Special > Values)"
                    if "formula" in type(v).__name__.lower()
                    else f"a cell of a kind the template cannot take ({type(v).__name__}); expected a plain value",
                    rule="formula",
                )
                strs.append("")
                continue
            if v is None:
                strs.append("")
            elif isinstance(v, (datetime, date)):
                if c == "period":
                    log.add_rows([row], c, [str(v)], excel_date_period(v), rule="excel date")
                    strs.append("")
                else:
                    log.add_rows([row], c, [str(v)], "a date; expected a number", rule="date")
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
                        log.add_rows(
                            [row],
                            c,
                            [s],
                            "a number stored as text; accepted as a number (format the "
                            "column as Number to silence this)",
                            WARNING,
                            rule="number as text",
                        )
                    except ValueError:
                        pass
                strs.append(s)
        data[c] = pd.Series(strs, dtype=str)
    raw = pd.DataFrame(data)
    if raw.empty:
        log.add(None, None, None, "the workbook has a header but no data rows")
        raise FileUnreadable
    rows = canonical_rows(raw, 2, log, f"Upload {file_name}")
    if rows.empty:
        log.add(None, None, None, "the workbook has a header but no data rows")
        raise FileUnreadable
    return ReadResult(rows)
