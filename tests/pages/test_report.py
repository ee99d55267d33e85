"""AppTest of the Board report page: focus areas first, a build with progress, the report on screen and both
downloads (real files: a Word document and a PDF)."""

from __future__ import annotations

import io

import pytest
from docx import Document
from streamlit.testing.v1 import AppTest

from tests.pages.helpers import PAGES, all_text, download, run_page

BUILD_TIMEOUT = 600  # Chromium draws the charts; on a busy 2-core machine that takes a minute or more


def test_focus_areas_come_first_and_nothing_is_built_until_asked(built_db):
    at = run_page("report")
    area = at.selectbox(key="_w_area")
    assert area.options[:3] == [
        "Buckinghamshire — South East",
        "Oxfordshire — South East",
        "Worcestershire — West Midlands",
    ]
    assert "then build the report" in all_text(at)
    assert not at.get("download_button")
    at.radio(key="since_kind").set_value("A revision").run()
    assert not at.exception
    assert (
        at.selectbox(key="since_revision").options[0].startswith("revision 5,")
    )  # the default build writes 5 revisions


@pytest.mark.skipif(not __import__("os").path.exists("/usr/bin/chromium"), reason="Debian's chromium")
def test_build_shows_the_report_and_offers_word_and_pdf(built_db, captured_downloads):
    at = AppTest.from_file(str(PAGES / "report.py"), default_timeout=BUILD_TIMEOUT)
    at.query_params["area"] = "E10000034"
    at.run()
    assert not at.exception
    assert at.checkbox(key="with_demonstration").value is False  # real figures only unless asked
    at.checkbox(key="with_demonstration").check().run()
    at.button(key="build").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [(s.label, s.state) for s in at.status] == [("The report is ready", "complete")]
    assert [(p.value, p.text) for p in at.progress] == [(100, "Done")]  # the progress bar, at its end
    text = all_text(at)
    assert "Combating drugs: quarterly highlight report for Worcestershire" in text
    assert "Demonstration data, included as asked." in text
    assert "At a glance" in text and "Indicators by outcome" in text
    assert len(at.image) == 7  # six headline trends and the spine chart
    word = download(at, captured_downloads, "Download Word (.docx)")
    doc = Document(io.BytesIO(word))
    assert doc.paragraphs[0].style.name == "Title" and "Worcestershire" in doc.paragraphs[0].text
    pdf = download(at, captured_downloads, "Download PDF")
    assert pdf.startswith(b"%PDF") and len(pdf) > 50_000
