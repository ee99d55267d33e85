"""`python -m metrics report`: exit codes, and real Word and PDF files (headings, header rows, pictures with alt
text; selectable text in the PDF), charts drawn by Debian's Chromium."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from metrics.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "args, words",
    [
        (["--area", "E1000034"], "is not an authority, region or CDP footprint"),
        (["--area", "E10000034", "--since", "99"], "revision 99 does not exist"),
        (["--area", "E10000034", "--since", "2024-13-01"], "is not a real date"),
        (["--area", "E10000034", "--since", "last quarter"], "neither a revision number nor a date"),
        (["--area", "E10000034", "--since", "2999-01-01"], "is in the future"),
        (["--area", "E92000001", "--benchmark", "region"], "has no region to compare with"),
    ],
)
def test_bad_requests_exit_2_with_a_message_and_write_nothing(built_db, tmp_path, capsys, args, words):
    out = tmp_path / "report.docx"
    assert main(["report", *args, "--out", str(out), "--db", str(built_db)]) == 2
    assert words in capsys.readouterr().err
    assert not out.exists()


def test_a_missing_database_exits_1(tmp_path, capsys):
    assert (
        main(
            ["report", "--area", "E10000034", "--out", str(tmp_path / "r.docx"), "--db", str(tmp_path / "none.duckdb")]
        )
        == 1
    )
    assert "does not exist" in capsys.readouterr().err


def test_the_process_exit_code_is_2_for_a_bad_area(built_db, tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "metrics",
            "report",
            "--area",
            "NOWHERE",
            "--out",
            str(tmp_path / "r.docx"),
            "--db",
            str(built_db),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "NOWHERE" in done.stderr


needs_chromium = pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists(), reason="Debian's chromium (make report-deps)"
)


@needs_chromium
def test_word_report_has_headings_header_rows_and_charts_with_alt_text(built_db, tmp_path):
    out = tmp_path / "worcestershire.docx"
    args = ["report", "--area", "E10000034", "--with-demonstration", "--out", str(out), "--db", str(built_db)]
    assert main(args) == 0
    doc = Document(io.BytesIO(out.read_bytes()))
    styles = [p.style.name for p in doc.paragraphs]
    # 9 parts of the board paper (issue 31), then the data appendix's 7
    assert styles[0] == "Title" and styles.count("Heading 1") == 9 + 7 and "Heading 2" in styles
    assert len(doc.tables) >= 8
    for table in doc.tables:
        header = table.rows[0]._tr
        assert header.trPr is not None and header.trPr.find(qn("w:tblHeader")) is not None
    pictures = doc.inline_shapes
    assert len(pictures) == 7  # six headline trends with local figures and the spine chart
    for shape in pictures:
        alt = shape._inline.docPr.get("descr")
        assert alt and ("Line chart of" in alt or "Spine chart of" in alt)
    assert doc.core_properties.title == "Combating drugs: quarterly highlight report for Worcestershire"


@needs_chromium
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (make report-deps installs it)")
def test_pdf_report_has_selectable_text(built_db, tmp_path):
    out = tmp_path / "cdp.pdf"
    assert (
        main(
            [
                "report",
                "--area",
                "CDP0001",
                "--benchmark",
                "region",
                "--since",
                "1",
                "--with-demonstration",
                "--out",
                str(out),
                "--db",
                str(built_db),
            ]
        )
        == 0
    )
    assert out.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "Combating drugs: quarterly highlight report for Herefordshire and Worcestershire CDP" in " ".join(
        text.split()
    )
    assert "Warning: Demonstration data, included as asked." in " ".join(text.split())
    assert "Benchmark: the region (West Midlands)" in " ".join(text.split())
    assert "Open Government Licence" in text
