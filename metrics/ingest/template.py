"""The blank upload template (CSV and .xlsx). `python -m metrics.ingest.template` rewrites data/template/."""

from __future__ import annotations

import io
from pathlib import Path

from metrics.ingest.text import NUMERIC, TEMPLATE_COLUMNS
from metrics.paths import DATA_DIR

TEMPLATE_DIR = DATA_DIR / "template"
EXAMPLE = [
    "unmet_need_ocu",
    "E10000034",
    "2019/20",
    "Total",
    "53.25",
    "38.86",
    "63.05",
    "",
    "",
    "1403",
    "2635",
    "",
    "OHID Fingertips 93517, downloaded 2024-05-01",
    "",
]


def template_csv() -> bytes:
    return (",".join(TEMPLATE_COLUMNS) + "\n").encode("utf-8")


def template_xlsx() -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "data"
    ws.append(TEMPLATE_COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    # Text columns are formatted as Text so Excel can't turn "2019/20" into a date or drop leading zeros.
    for i, name in enumerate(TEMPLATE_COLUMNS, start=1):
        letter = openpyxl.utils.get_column_letter(i)
        ws.column_dimensions[letter].width = 16
        if name not in NUMERIC:
            for row in range(2, 1002):
                ws.cell(row=row, column=i).number_format = "@"
    guide = wb.create_sheet("guide")
    guide.append(["See docs/upload-template.md. Only the first sheet is read. Example row:"])
    guide.append(TEMPLATE_COLUMNS)
    guide.append(EXAMPLE)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_templates(directory: Path = TEMPLATE_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = directory / "upload_template.csv", directory / "upload_template.xlsx"
    csv_path.write_bytes(template_csv())
    xlsx_path.write_bytes(template_xlsx())
    return [csv_path, xlsx_path]


if __name__ == "__main__":
    for p in write_templates():
        print(p)
