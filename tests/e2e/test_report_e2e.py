"""The Board report page in Debian's Chromium: build a report, download the Word and PDF files, no exception."""

from __future__ import annotations

import io

import pytest
from docx import Document

from tests.e2e.conftest import ARTIFACTS, screenshot, wait_idle

pytestmark = pytest.mark.browser


def _download(page, label: str) -> bytes:
    button = page.get_by_test_id("stDownloadButton").filter(has_text=label)
    with page.expect_download(timeout=60_000) as dl:
        button.click()
    with open(dl.value.path(), "rb") as fh:
        return fh.read()


def test_build_the_board_report_and_download_word_and_pdf(page, server):
    page.goto(f"{server}/report?area=E10000025")
    page.get_by_test_id("stSidebarNav").get_by_text("Board report").wait_for()
    wait_idle(page)
    page.get_by_role("button", name="Build the report").click()
    # Drawing the charts in Chromium takes a minute or two on a busy machine.
    page.get_by_test_id("stDownloadButton").filter(has_text="Download PDF").wait_for(timeout=600_000)
    wait_idle(page)
    assert page.get_by_test_id("stException").count() == 0
    page.get_by_text("Combating drugs: quarterly highlight report for Oxfordshire").first.wait_for()
    assert page.get_by_text("The report is ready").count() == 1
    screenshot(page, "board_report_oxfordshire")

    word = _download(page, "Download Word (.docx)")
    doc = Document(io.BytesIO(word))
    assert doc.paragraphs[0].text == "Combating drugs: quarterly highlight report for Oxfordshire"
    assert len(doc.inline_shapes) >= 2
    pdf = _download(page, "Download PDF")
    assert pdf.startswith(b"%PDF")
    assert page.get_by_test_id("stException").count() == 0
    log = (ARTIFACTS / "server.log").read_text(errors="replace")
    assert "Traceback" not in log
