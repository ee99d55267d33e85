"""Issue 27, item 1: the board report holds real figures only unless demonstration data is asked for; then its
cover says so and each demonstration figure is marked."""

from __future__ import annotations

import io

import pytest
from docx import Document

from metrics.areas import default_geography
from metrics.catalogue import default_catalogue
from metrics.cli import main
from metrics.report.layout import blocks
from metrics.report.model import DEMO_WARNING, REAL_ONLY_NOTE, collect
from metrics.report.word import render_docx
from metrics.store import Store
from tests.report.docx_reading import read_docx

AREAS = ["E10000034", "E06000060", "E10000025", "CDP0001"]


@pytest.mark.parametrize("code", AREAS)
def test_by_default_no_demonstration_figure_is_in_the_report(built_db, code):
    cat, geo = default_catalogue(), default_geography()
    with Store(built_db, read_only=True) as store:
        model = collect(store, cat, geo, code, "england", since="1")
    assert model.any_demo is False and model.with_demonstration is False
    assert not [m.key for m in model.metrics if m.is_demo or (m.latest or {}).get("is_demo")]
    assert not [c.key for c in model.charts if c.is_demo]
    texts = [getattr(b, "text", "") for b in blocks(model)]
    assert REAL_ONLY_NOTE in texts and DEMO_WARNING not in texts
    items = read_docx(render_docx(model, {}))
    words = " ".join(i.text for i in items if i.kind == "paragraph")
    cells = [c for i in items if i.kind == "table" for c in i.table.to_numpy().ravel()]
    assert "Demonstration data" not in words and "[demonstration figure]" not in words
    assert "Demo" not in cells


def test_worcestershire_real_figures_stay_in_a_real_only_report(built_db):
    cat, geo = default_catalogue(), default_geography()
    with Store(built_db, read_only=True) as store:
        model = collect(store, cat, geo, "E10000034", "england", since="1")
    by_key = {m.key: m for m in model.metrics}
    # the published continuity of care (51.7%) and the ONS drug misuse deaths are real: still there
    assert by_key["continuity_of_care"].local and by_key["continuity_of_care"].row["Value"] == "51.7%"
    assert by_key["drug_misuse_deaths"].local
    # a metric with only demonstration figures for the area has none here
    assert not by_key["ocu_prevalence"].local


def test_with_demonstration_the_cover_says_so_and_marks_each(built_db):
    cat, geo = default_catalogue(), default_geography()
    with Store(built_db, read_only=True) as store:
        model = collect(store, cat, geo, "E10000034", "england", since="1", with_demonstration=True)
    assert model.any_demo and model.with_demonstration
    items = read_docx(render_docx(model, {}))
    first_page = [i.text for i in items[:12] if i.kind == "paragraph"]
    assert any(t.startswith("Warning: Demonstration data, included as asked.") for t in first_page)
    demo = [m for m in model.metrics if m.is_demo]
    marks = [i for i in items if i.kind == "table" and "Data" in i.table.columns]
    assert demo and sum(int((i.table["Data"] == "Demo").sum()) for i in marks) >= len(demo)


def test_the_command_takes_with_demonstration(built_db, tmp_path):
    real, demo = tmp_path / "real.docx", tmp_path / "demo.docx"
    assert main(["report", "--area", "E10000034", "--format", "docx", "--out", str(real), "--db", str(built_db)]) == 0
    args = ["report", "--area", "E10000034", "--with-demonstration", "--out", str(demo), "--db", str(built_db)]
    assert main(args) == 0

    def text(path):
        return " ".join(p.text for p in Document(io.BytesIO(path.read_bytes())).paragraphs)

    assert "Demonstration data" not in text(real) and "Real figures only" in text(real)
    assert "Demonstration data, included as asked" in text(demo)
