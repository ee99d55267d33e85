"""The broken-files corpus: every file gives its specific problem, and the store is untouched."""

from __future__ import annotations

import hashlib

import pytest

from metrics.cli import main
from metrics.ingest.pipeline import IngestRejected, commit, prepare
from metrics.store import Store
from tests.fixtures.make_broken import CASES, write_all


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    return write_all(tmp_path_factory.mktemp("broken"))


def test_corpus_is_big_enough():
    assert len(CASES) >= 25


@pytest.mark.parametrize("name", sorted(CASES))
def test_broken_file_is_rejected_with_its_message(name, broken, module_db, capsys):
    with Store(module_db) as store:
        before = store.export_fingerprint()
    file_before = hashlib.sha256(module_db.read_bytes()).hexdigest()
    prepared = prepare(broken[name])
    problems = prepared.problems
    assert not prepared.ok
    for row, column, fragment in CASES[name][1]:
        hit = problems[(problems.severity == "error") & problems.message.str.contains(fragment, regex=False)]
        if row is not None:
            hit = hit[hit.row == row]
        if column is not None:
            hit = hit[hit.column == column]
        assert not hit.empty, f"{name}: expected row {row} column {column} {fragment!r}\n{problems.to_string()}"
        assert (hit.file == name).all()
    with Store(module_db) as store, pytest.raises(IngestRejected):
        commit(store, prepared, author="test")
    # the CLI prints the same problems and exits 2
    assert main(["ingest", str(broken[name]), "--db", str(module_db)]) == 2
    out = capsys.readouterr().out
    assert "Rejected: nothing was written." in out
    assert CASES[name][1][0][2].split("'")[0][:20] in out
    with Store(module_db) as store:
        assert store.export_fingerprint() == before
    assert hashlib.sha256(module_db.read_bytes()).hexdigest() == file_before  # byte-identical


def test_every_problem_reported_at_once(tmp_path, module_db):
    from tests.fixtures.make_broken import csv_text

    path = tmp_path / "many.csv"
    path.write_text(
        csv_text(
            "nope,E10000034,2019/20,Total,1,,,,,,,,\n",
            "unmet_need_ocu,E10000002,2019/20,Total,1,,,,,,,,\n",
            "unmet_need_ocu,E10000034,2019-01-20,Total,1,,,,,,,,\n",
            "unmet_need_ocu,E10000034,2018/19,Total,101,,,,,,,,\n",
            "unmet_need_ocu,E10000034,2017/18,Total,50,60,70,,,,,,\n",
        ),
        encoding="utf-8",
    )
    problems = prepare(path).problems
    assert sorted(problems[problems.severity == "error"].row.tolist()) == [2, 3, 4, 5, 6]


def test_unknown_code_suggestion_by_near_code(tmp_path):
    from tests.fixtures.make_broken import csv_text

    path = tmp_path / "typo.csv"
    path.write_text(csv_text("unmet_need_ocu,E1000034,2019/20,Total,50,,,,,,,,\n"), encoding="utf-8")
    msg = prepare(path).errors.message.iloc[0]
    assert "did you mean E10000034 Worcestershire?" in msg
