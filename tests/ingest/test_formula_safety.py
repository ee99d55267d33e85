"""Formula injection (issue 19): every CSV and Excel file the product writes neutralises text a spreadsheet would run
(=, +, -, @, tab, carriage return: a leading apostrophe), numbers untouched; ingest refuses formula-like text cells;
the command line applies the upload size limit."""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from metrics import presentation as pr
from metrics.cli import main
from metrics.ingest.pipeline import commit, prepare
from metrics.settings import default_settings
from metrics.store import Store

from .conftest import FIXTURES  # noqa: F401  (puts the fixtures folder on the path)

PAYLOADS = ['=HYPERLINK("http://evil.example/x","click")', "+cmd|' /C calc'!A0", "-1+1", "@x"]
HEADER = "metric_key,area_code,period,breakdown,value,lower95,upper95,count,denominator,value_note,source\n"


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_code": ["E10000034"] * 4,
            "value": [-1.5, 2.0, -3.25, 4.0],
            "count": [-1, 2, 3, 4],
            "value_note": PAYLOADS,
            "source": pd.Categorical(["-2+3", "plain", "@SUM(A1)", "\tx"]),
        }
    )


def _neutralised(cells) -> bool:
    return all(isinstance(c, str) and c.startswith("'") for c in cells)


# ------------------------------------------------------------------------------------------- the pages' downloads
def test_presentation_csv_download_neutralises_text_and_keeps_numbers():
    # A source holding a comma: a spreadsheet splits the "# Source: ..." line there into cells.
    notes = pr.download_notes("Trend", ['OHID,=HYPERLINK("http://x")', "b, -2+3"], datetime(2026, 1, 2), False)
    data = pr.to_csv_bytes(_frame(), notes).decode("utf-8")
    assert "# Source: OHID,'=HYPERLINK(\"http://x\"); b, '-2+3" in data
    cells = [c.strip(' "') for line in data.splitlines() for c in line.replace('"', ",").split(",")]
    assert not [c for c in cells if c.startswith(("=", "+", "@")) or (c.startswith("-") and not c[1:2].isdigit())]
    back = pd.read_csv(io.StringIO(data), comment="#")
    assert back["value_note"].tolist() == ["'" + p for p in PAYLOADS]
    assert back["source"].tolist() == ["'-2+3", "plain", "'@SUM(A1)", "'\tx"]
    assert back["value"].tolist() == [-1.5, 2.0, -3.25, 4.0] and back["count"].tolist() == [-1, 2, 3, 4]


def test_presentation_excel_download_neutralises_text_and_keeps_numbers():
    notes = pr.download_notes("=Trend", ["+cmd|' /C calc'!A0"], None, False)
    wb = openpyxl.load_workbook(io.BytesIO(pr.to_excel_bytes(_frame(), notes)))
    rows = list(wb["data"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(header)}
    assert [r[col["value_note"]] for r in body] == ["'" + p for p in PAYLOADS]
    assert [r[col["value"]] for r in body] == [-1.5, 2.0, -3.25, 4.0]  # stored as numbers, not text
    assert [r[col["count"]] for r in body] == [-1, 2, 3, 4]
    assert all(cell.data_type != "f" for row in wb["data"].iter_rows() for cell in row)  # no formula cells
    notes_cells = [n for (n,) in wb["notes"].iter_rows(min_row=2, values_only=True)]
    assert notes_cells[0] == "'Title: =Trend" or notes_cells[0] == "Title: =Trend"
    assert not [n for n in notes_cells if n.startswith(("=", "+", "-", "@"))]


# ------------------------------------------------------------------------------ the Upload page's problems report
@pytest.fixture
def local_mode(db, tmp_path, monkeypatch):
    settings = tmp_path / "settings.yaml"
    settings.write_text("upload:\n  local_mode: true\n  max_upload_mb: 5\n")
    monkeypatch.setenv("CDOF_SETTINGS", str(settings))
    monkeypatch.setenv("CDOF_DB", str(db))
    default_settings.cache_clear()
    yield db
    default_settings.cache_clear()


def test_upload_page_problems_csv_is_neutralised(local_mode, captured_downloads):
    rows = "".join(
        f'unmet_need_ocu,E10000034,2019/20,Total,53.2,,,,,"{p.replace(chr(34), chr(34) * 2)}",\n' for p in PAYLOADS
    )
    at = AppTest.from_file("../../pages/upload.py", default_timeout=60)
    at.run()
    at.get("file_uploader")[0].set_value(("=evil.csv", (HEADER + rows).encode(), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    assert any("Nothing will be written" in e.value for e in at.error)
    button = next(b for b in at.get("download_button") if b.proto.label == "Download problems (CSV)")
    report = pd.read_csv(io.BytesIO(captured_downloads(button)), dtype=str)
    notes = report[report["column"] == "value_note"]
    assert notes["value"].tolist() == ["'" + p for p in PAYLOADS]
    assert notes["row"].tolist() == ["2", "3", "4", "5"]
    assert _neutralised(report["file"])  # the file name "=evil.csv" too


# ----------------------------------------------------------------------------------------- python -m metrics export
def test_cli_export_neutralises_notes_and_sources(db, tmp_path, capsys):
    """Rows stored before ingest refused such text (an older store): the export still writes them inert."""
    path = tmp_path / "ok.csv"
    path.write_text(
        HEADER + "".join(f"unmet_need_ocu,E10000034,{2015 + n}/{16 + n},Total,{10.5 + n},,,,,n,s\n" for n in range(4)),
        encoding="utf-8",
    )
    prepared = prepare(path)
    assert prepared.ok, prepared.problems
    rows = prepared.rows.copy()
    rows["value_note"] = PAYLOADS
    rows["source"] = ["-2+3", "+SUM(A1)", "@x", "- plain"]
    prepared.rows = rows
    with Store(db) as store:
        commit(store, prepared, author="test")
    capsys.readouterr()
    assert main(["export", "--db", str(db)]) == 0
    out = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype={"value_note": str, "source": str})
    mine = out[
        (out.metric_key == "unmet_need_ocu")
        & (out.area_code == "E10000034")
        & out.period.isin(["2015/16", "2016/17", "2017/18", "2018/19"])
    ].sort_values("period")
    assert mine["value_note"].tolist() == ["'" + p for p in PAYLOADS]
    assert mine["source"].tolist() == ["'-2+3", "'+SUM(A1)", "'@x", "'- plain"]
    assert mine["value"].tolist() == [10.5, 11.5, 12.5, 13.5]  # numbers stay numbers


def test_template_files_hold_no_formula_text():
    from metrics.ingest.template import template_csv, template_xlsx

    cells = template_csv().decode().strip().split(",")
    wb = openpyxl.load_workbook(io.BytesIO(template_xlsx()))
    cells += [c for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert cells and all(not str(c).startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)


# ------------------------------------------------------------------------------------------ ingest refuses formulas
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_ingest_refuses_formula_like_text_with_row_column_and_value(tmp_path, suffix):
    cells = [  # (column, value): one bad cell per row
        ("value_note", "+cmd|' /C calc'!A0"),
        ("value_note", "-2+3"),
        ("source", "+SUM(A1:A2)"),
        ("breakdown", "@SUM(1)"),
        ("value", "-1+1"),
        ("value_note", '-HYPERLINK("http://x")'),
    ]
    columns = HEADER.strip().split(",")
    good = {"metric_key": "unmet_need_ocu", "area_code": "E10000034", "breakdown": "Total", "value": "53.2"}
    table = []
    for n, (col, bad) in enumerate(cells):
        row = {**good, "period": f"{2010 + n}/{11 + n}", col: bad}
        table.append([row.get(c, "") for c in columns])
    # Signed numbers and a note that only starts with a dash are fine.
    table.append(
        [
            {
                **good,
                "period": "2020/21",
                "value": "-1.5",
                "lower95": "+1",
                "value_note": "- see note",
                "source": "-x",
            }.get(c, "")
            for c in columns
        ]
    )
    path = tmp_path / f"inject.{suffix}"
    if suffix == "csv":
        pd.DataFrame(table, columns=columns).to_csv(path, index=False)
    else:
        wb = openpyxl.Workbook()
        wb.active.append(columns)
        for r in table:
            wb.active.append(r)
        wb.save(path)
    prepared = prepare(path)
    assert not prepared.ok
    inj = prepared.errors[prepared.errors.message.str.contains("formula or spreadsheet injection")]
    got = sorted(zip(inj["row"].astype(int), inj["column"], inj["value"]))
    assert got == sorted((n + 2, col, bad) for n, (col, bad) in enumerate(cells))
    assert all("'+'/'-'" in m for m in inj["message"])
    # -1.5 and +1 are read as numbers (-1.5 is then refused as a negative percentage, which shows it was read);
    # "- see note" and "-x" are plain text.
    last = prepared.errors[prepared.errors["row"] == len(cells) + 2]
    assert not last.message.str.contains("injection|not a number").any(), last.message.tolist()
    assert last.message.str.startswith("negative").any() and last.message.str.contains("limits 1 to").any()


def test_cli_ingest_of_a_formula_cell_exits_2_and_writes_nothing(db, tmp_path, capsys):
    path = tmp_path / "inject.csv"
    path.write_text(HEADER + "unmet_need_ocu,E10000034,2019/20,Total,53.2,,,,,\"+cmd|' /C calc'!A0\",\n")
    before = db.read_bytes()
    assert main(["ingest", str(path), "--db", str(db)]) == 2
    out = capsys.readouterr().out
    assert "value_note" in out and "+cmd|' /C calc'!A0" in out and "spreadsheet injection" in out
    assert db.read_bytes() == before


# -------------------------------------------------------------------------------------- the command line's size limit
@pytest.fixture
def one_mb_limit(tmp_path, monkeypatch):
    settings = tmp_path / "settings.yaml"
    settings.write_text("upload:\n  max_upload_mb: 1\n")
    monkeypatch.setenv("CDOF_SETTINGS", str(settings))
    default_settings.cache_clear()
    yield settings
    default_settings.cache_clear()


def test_cli_ingest_refuses_a_file_over_the_configured_limit(db, tmp_path, one_mb_limit, capsys):
    path = tmp_path / "big.csv"
    path.write_bytes(HEADER.encode() + b"x" * (1024 * 1024 + 1))
    before = db.read_bytes()
    assert main(["ingest", str(path), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "1.0 MB" in err and f"{path.stat().st_size:,} bytes" in err
    assert "larger than the 1 MB limit" in err and str(one_mb_limit) in err and "upload.max_upload_mb" in err
    assert "--max-size" in err and "--no-size-limit" in err and "Traceback" not in err
    assert db.read_bytes() == before


def test_cli_ingest_size_override_flags(db, tmp_path, one_mb_limit, capsys):
    path = tmp_path / "padded.csv"
    # Ten valid rows padded past 1 MB in all with trailing spaces in their last cell (stripped on reading); each
    # line stays under the longest line a CSV may hold.
    rows = [
        f"unmet_need_ocu,E10000034,{y}/{str(y + 1)[-2:]},Total,53.2,,,,,," + " " * 110_000 for y in range(2010, 2020)
    ]
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    assert path.stat().st_size > 1024 * 1024
    assert main(["ingest", str(path), "--db", str(db), "--dry-run"]) == 2
    assert "larger than the 1 MB limit" in capsys.readouterr().err
    assert main(["ingest", str(path), "--db", str(db), "--dry-run", "--max-size", "0.5"]) == 2
    assert "larger than the 0.5 MB limit (--max-size)" in capsys.readouterr().err
    assert main(["ingest", str(path), "--db", str(db), "--dry-run", "--max-size", "2"]) == 0
    assert "Dry run: nothing was written." in capsys.readouterr().out
    assert main(["ingest", str(path), "--db", str(db), "--dry-run", "--no-size-limit"]) == 0
    assert "Dry run: nothing was written." in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:  # both at once is a usage error
        main(["ingest", str(path), "--db", str(db), "--max-size", "2", "--no-size-limit"])
    assert exc.value.code == 2
