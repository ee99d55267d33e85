"""Files that must load (CR-only line endings, the visible sheet, breakdown spellings) and refusals whose words
matter beyond the broken corpus (no misleading suggestion; a workbook bomb refused before it is read)."""

from __future__ import annotations

import zipfile

import pytest

from metrics.ingest.pipeline import prepare
from tests.fixtures.make_broken import GOOD, HEADER, csv_text

ROWS = [GOOD, GOOD.replace("2019/20", "2018/19").replace("53.2", "50.1").replace(",1403,", ",1320,")]


def loaded(path):
    prepared = prepare(path)
    errors = prepared.errors
    assert prepared.ok, errors.to_string()
    return prepared


def test_a_csv_with_cr_only_line_endings_loads(tmp_path):
    """Old Excel for Mac's 'CSV (Macintosh)' ends lines with CR alone."""
    path = tmp_path / "mac.csv"
    path.write_bytes(csv_text(*ROWS).replace("\n", "\r").encode())
    prepared = loaded(path)
    assert sorted(prepared.rows["period"].astype(str)) == ["2018/19", "2019/20"]
    assert sorted(prepared.rows["value"]) == [50.1, 53.2]


def test_the_first_visible_sheet_is_read_not_a_hidden_one(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    hidden = wb.active
    hidden.title = "Scratch"
    hidden.sheet_state = "hidden"
    hidden.append(["nothing", "to", "see"])
    shown = wb.create_sheet("Data")
    for line in csv_text(*ROWS).strip().split("\n"):
        shown.append([float(c) if c.replace(".", "").isdigit() and "/" not in c else c for c in line.split(",")])
    path = tmp_path / "hidden.xlsx"
    wb.save(path)
    prepared = loaded(path)
    assert len(prepared.rows) == 2
    assert "only the first visible one, 'Data', was read" in prepared.problems["message"].str.cat(sep=" ")


def test_breakdowns_differing_by_case_or_spacing_are_stored_in_one_spelling(tmp_path):
    path = tmp_path / "spellings.csv"
    path.write_text(
        csv_text(
            GOOD.replace(",Total,", ",TOTAL,"), GOOD.replace("2019/20", "2018/19").replace(",Total,", ",  total ,")
        )
    )
    prepared = loaded(path)
    assert set(prepared.rows["breakdown"].astype(str)) == {"Total"}


@pytest.mark.parametrize(
    "code, says, never",
    [
        ("E07000008", "a district (lower-tier) council", ["E10000008", "Devon", "did you mean"]),
        ("W06000001", "a Welsh local authority", ["E06000001", "Hartlepool", "did you mean"]),
        ("S12000033", "a Scottish council area", ["did you mean"]),
    ],
)
def test_an_area_code_of_another_kind_is_named_as_such_and_gets_no_lookalike_suggestion(tmp_path, code, says, never):
    path = tmp_path / "area.csv"
    path.write_text(csv_text(GOOD.replace("E10000034", code)))
    problems = prepare(path).problems
    message = problems[problems["column"] == "area_code"]["message"].iloc[0]
    assert says in message
    for word in never:
        assert word not in message


def test_a_workbook_expanding_beyond_the_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    """A shared-strings 'bomb': a small .xlsx whose parts expand to far more text than it holds."""
    settings = tmp_path / "settings.yaml"
    settings.write_text("upload:\n  max_workbook_expanded_mb: 1\n")
    monkeypatch.setenv("CDOF_SETTINGS", str(settings))
    path = tmp_path / "bomb.xlsx"
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(HEADER.strip().split(","))
    wb.save(path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", "<sst>" + "<si><t>x</t></si>" * 200_000 + "</sst>")
    assert path.stat().st_size < 100_000
    problems = prepare(path).problems
    message = problems["message"].str.cat(sep=" ")
    assert "expands to 3 MB when opened" in message and "more than the 1 MB allowed" in message
