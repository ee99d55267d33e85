"""The board report as the partnership's paper: front matter from the details, a section per priority with its
figures, commentary and actions, what changed since the last board (actions whose status changed), the red list,
then the data appendix. A paper with nothing written still builds and says what is to be written. Typed markup is
text in HTML, Word and PDF."""

from __future__ import annotations

import subprocess
from pathlib import Path

from metrics.areas import default_geography
from metrics.catalogue import default_catalogue
from metrics.paper.edits import import_plan, save_commentary, save_details
from metrics.paper.example import load_example
from metrics.paper.plan import export_frame, plan_csv, prepare_plan
from metrics.report.layout import Heading, Para, Table, blocks
from metrics.report.model import collect
from metrics.report.pdf import render_pdf
from metrics.report.web import render_html
from metrics.report.word import render_docx
from metrics.store import Store
from metrics.store.narrative import PLAN_ACTIONS
from tests.report.docx_reading import read_docx

WORCS = "E10000034"
EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "examples" / "worcestershire"
MARKUP = "<script>alert(1)</script> **bold** [link](http://example.org) =SUM(A1)"


def words(out) -> str:
    parts = []
    for b in out:
        if isinstance(b, (Heading, Para)):
            parts.append(getattr(b, "lead", "") + b.text)
        elif isinstance(b, Table):
            parts += [" | ".join(r) for r in b.rows]
    return "\n".join(parts)


def paper_model(store, since=None):
    return collect(store, default_catalogue(), default_geography(), WORCS, since=since)


def test_a_paper_with_nothing_written_builds_and_says_what_is_to_be_written(db_copy):
    with Store(db_copy) as store:
        model = paper_model(store)
    out = blocks(model)
    text = words(out)
    assert out[0].text == model.title
    assert (
        "Parts of this paper are still to be written: Title of the paper; Recommendation(s); Executive summary; "
        "Delivery plan; Commentary on the figures." in text
    )
    assert "To be written: recommendation" in text and "To be written: the delivery plan" in text
    headings = [b.text for b in out if isinstance(b, Heading) and b.level == 1]
    assert headings.index("The red list") < headings.index("Data appendix") < headings.index("At a glance")
    assert b"To be written" in render_html(model, {})
    assert any("To be written" in i.text for i in read_docx(render_docx(model, {})))


def test_the_example_paper_mixes_figures_commentary_and_actions_by_priority(db_copy):
    with Store(db_copy) as store:
        before = int(store.revisions()["revision_id"].max())
        load_example(store, EXAMPLE, "example", default_catalogue(), default_geography())
        model = paper_model(store, since=before)
    out = blocks(model)
    text = words(out)
    assert out[0].text == "Drugs and Alcohol - Highlight Report"
    assert "Sponsor: Councillor Karen May" in text and "Purpose: For assurance" in text
    level1 = [b.text for b in out if isinstance(b, Heading) and b.level == 1]
    assert level1[:5] == ["Recommendation", "Executive summary", "Prevention", "Treatment", "Recovery"]
    treatment = text[text.index("\nTreatment\n") : text.index("\nRecovery\n")]
    assert "the figure for Worcestershire was 2,006" in treatment
    assert (
        "Commentary on 2022/23 by example" in treatment and "reduced by more than 20% in 2022/23, to 2,006" in treatment
    )
    assert "Marketing campaign and renewed emphasis" in treatment and "✓ Complete" in treatment
    # Since the revision before the example, every action is new.
    assert text.count("New action") == 8
    assert "Actions off track or overdue" in text and "still to be written" not in text


def test_what_changed_lists_an_action_whose_status_changed_since_the_last_board(db_copy):
    with Store(db_copy) as store:
        load_example(store, EXAMPLE, "example", default_catalogue(), default_geography())
        last_board = int(store.revisions()["revision_id"].max())
        plan = export_frame(store.narrative(PLAN_ACTIONS, [WORCS]))
        plan.loc[plan["action"].str.startswith("Individual Placement"), "status"] = "Off track"
        prepared = prepare_plan(
            plan_csv(plan), "plan.csv", default_catalogue(), default_geography(), store.narrative(PLAN_ACTIONS)
        )
        import_plan(store, prepared, "lead@example.org")
        model = paper_model(store, since=last_board)
    tables = {b.caption.split(" (")[0]: b for b in blocks(model) if isinstance(b, Table)}
    changed = tables["Actions whose status changed since the last board"]
    assert [r[2:] for r in changed.rows] == [["Not started", "✕ Off track"]]
    red = tables["Actions of the delivery plan that are off track, or past their due date and not complete."]
    assert [r[0] for r in red.rows] == [
        "Individual Placement and Support (IPS) service for people in drug or alcohol treatment"
    ]


def test_typed_markup_is_plain_text_in_html_word_and_pdf(db_copy, tmp_path):
    args = (default_catalogue(), default_geography())
    with Store(db_copy) as store:
        save_details(store, WORCS, {"title": MARKUP, "recommendation": MARKUP}, "a", default_geography())
        save_commentary(store, "continuity_of_care", WORCS, "2022/23", MARKUP, "a", *args)
        plan = export_frame(store.narrative(PLAN_ACTIONS))
        plan.loc[0] = {
            **{c: "" for c in plan.columns},
            "area_code": WORCS,
            "priority": "Treatment",
            "action": MARKUP.replace("=SUM", "SUM"),
            "status": "On track",
            "metric_keys": "continuity_of_care",
        }
        prepared = prepare_plan(plan_csv(plan), "p.csv", *args, store.narrative(PLAN_ACTIONS))
        assert prepared.ok, prepared.problems
        import_plan(store, prepared, "a")
        model = paper_model(store)
    html = render_html(model, {}).decode()
    assert (
        "<script>alert" not in html
        and "&lt;script&gt;alert(1)&lt;/script&gt; **bold** [link](http://example.org)" in html
    )
    docx = [i.text for i in read_docx(render_docx(model, {}))]
    assert MARKUP in docx  # the title, exactly as typed
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(render_pdf(model, {}))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "<script>alert(1)</script> **bold** [link](http://example.org)" in text
