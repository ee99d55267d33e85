"""Access by partnership on the write path: settings to scopes, refusals (with their words) before anything is
written through the pipeline and the command line, and who and under which scope each revision was made."""

from __future__ import annotations

import pytest

from metrics.access import (
    PUBLIC,
    AccessSettingsError,
    OutsideScope,
    Scope,
    is_uploader,
    operator_scope,
    partnership_areas,
    scope_for,
)
from metrics.areas import default_geography
from metrics.cli import main
from metrics.ingest.pipeline import commit, prepare, rollback, rollback_plan, write_revision
from metrics.settings import Settings
from metrics.store import RevisionInfo, Store

HW = "CDP0001"  # Herefordshire and Worcestershire CDP: E06000019 Herefordshire, E10000034 Worcestershire
SETTINGS = Settings.model_validate(
    {
        "upload": {"uploader_emails": ["old.uploader@ohid.gov.uk"], "uploader_role": "cdp.uploader"},
        "access": {
            "national": {"emails": ["lead@ohid.gov.uk"], "roles": ["cdp.national"]},
            "partnerships": [
                {"area": HW, "uploaders": {"emails": ["Analyst@Worcestershire.gov.uk"], "roles": ["cdp.hw"]}},
                {
                    "area": "E06000060",
                    "uploaders": {"roles": ["cdp.bucks"]},
                    "readers": {"emails": ["board@buckinghamshire.gov.uk"]},
                },
            ],
        },
    }
)
SIGN_IN = {"is_logged_in": True}
HW_SCOPE_WORDS = (
    "partnership CDP0001 Herefordshire and Worcestershire CDP: E06000019 Herefordshire, County of; "
    "E10000034 Worcestershire"
)
THREE_ROWS = (
    "metric_key,area_code,period,value,lower95,upper95\n"
    "unmet_need_ocu,E10000034,2019/20,60,50,70\n"
    "unmet_need_ocu,E06000060,2019/20,61,50,70\n"
    "unmet_need_ocu,E92000001,2019/20,55,50,60\n"
)


def _user(**claims):
    return {**SIGN_IN, **claims}


def _hw(who="analyst@worcestershire.gov.uk") -> Scope:
    return scope_for(SETTINGS, _user(email=who), auth_configured=True)


# ----------------------------------------------------------------------------------------------- settings to scopes
def test_a_partnership_uploader_writes_its_footprint_and_sees_its_benchmarks():
    scope = _hw("ANALYST@worcestershire.gov.uk")  # e-mails compare without case
    assert scope.name == "partnership CDP0001 Herefordshire and Worcestershire CDP"
    assert scope.write_areas == {"CDP0001", "E06000019", "E10000034"}
    assert scope.see_areas == {"CDP0001", "E06000019", "E10000034", "E92000001", "E12000005"}  # + West Midlands
    assert scope.described() == HW_SCOPE_WORDS
    by_role = scope_for(SETTINGS, _user(email="x@y.gov.uk", roles=["reader", "cdp.hw"]), True)
    assert by_role.write_areas == scope.write_areas and by_role.who == "x@y.gov.uk"
    assert is_uploader(SETTINGS.upload, _user(roles="cdp.hw"), True, SETTINGS)


def test_a_single_authority_partnership_is_its_authority_and_a_reader_writes_nothing():
    bucks = scope_for(SETTINGS, _user(email="a@bucks.gov.uk", roles=["cdp.bucks"]), True)
    assert bucks.write_areas == {"E06000060"} and bucks.name == "partnership E06000060 Buckinghamshire"
    reader = scope_for(SETTINGS, _user(email="board@buckinghamshire.gov.uk"), True)
    assert reader.write_areas == frozenset() and not reader.may_write
    assert reader.sees_restricted("E06000060") and not reader.sees_restricted("E10000034")
    assert not is_uploader(SETTINGS.upload, _user(email="board@buckinghamshire.gov.uk"), True, SETTINGS)


def test_national_local_mode_and_the_command_line_have_full_rights():
    for user in (
        _user(email="lead@ohid.gov.uk"),
        _user(roles=["cdp.national"]),
        _user(email="old.uploader@ohid.gov.uk"),
    ):
        scope = scope_for(SETTINGS, user, True)
        assert scope.name == "national" and scope.full_rights and scope.sees_everything
    local = Settings.model_validate({"upload": {"local_mode": True}})
    scope = scope_for(local, {}, auth_configured=False)
    assert (scope.who, scope.name, scope.full_rights, scope.sees_everything) == (
        "local analyst",
        "local mode (full rights)",
        True,
        True,
    )
    op = operator_scope("ops")
    assert (op.who, op.name, op.full_rights) == ("ops", "command line (operator, full rights)", True)


def test_nobody_else_writes_or_sees_restricted_metrics():
    assert scope_for(SETTINGS, {}, True) == PUBLIC
    assert scope_for(SETTINGS, _user(email="analyst@worcestershire.gov.uk"), auth_configured=False) == PUBLIC
    other = scope_for(SETTINGS, _user(email="someone@else.org", roles=["reader"]), True)
    assert not other.may_write and other.see_areas == frozenset() and other.name == "signed in (no partnership)"


@pytest.mark.parametrize(
    "code, words",
    [
        ("E06000019", "belongs to the joint partnership CDP0001 Herefordshire and Worcestershire CDP; name CDP0001"),
        ("E12000005", "is West Midlands, not a partnership; England and the regions are written by access.national"),
        ("E99999999", "is not a known area"),
    ],
)
def test_a_partnership_that_is_not_one_is_a_settings_error(code, words):
    with pytest.raises(AccessSettingsError, match=r"access\.partnerships: area") as err:
        partnership_areas(code, default_geography())
    assert words in str(err.value)


# ------------------------------------------------------------------------------------------- refusals, pipeline
def test_a_template_upload_outside_the_partnership_is_refused_naming_rows_and_areas(db, tmp_path):
    path = tmp_path / "three.csv"
    path.write_text(THREE_ROWS, encoding="utf-8")
    scope = _hw()
    prepared = prepare(path, scope=scope)
    assert not prepared.ok
    problems = prepared.problems
    assert problems[["row", "area", "column", "value"]].values.tolist() == [
        [3, "E06000060 Buckinghamshire", "area_code", "E06000060"],
        [4, "E92000001 England", "area_code", "E92000001"],
    ]
    assert problems.message.iloc[0] == (
        f"E06000060 Buckinghamshire is outside what you may write ({HW_SCOPE_WORDS}); nothing of this file will be "
        "written. Remove the row, or ask an uploader of that area's partnership to load it"
    )
    # commit itself checks too: the same rows, handed over without prepare's problems, are refused unwritten
    unchecked = prepare(path)
    with Store(db) as store:
        before = store.export_fingerprint()
        revisions = len(store.revisions())
        with pytest.raises(OutsideScope) as err:
            commit(store, unchecked, author=scope.who, scope=scope)
        assert store.export_fingerprint() == before and len(store.revisions()) == revisions
    assert str(err.value) == (
        f"Refused: 2 rows outside what analyst@worcestershire.gov.uk may write ({HW_SCOPE_WORDS}): "
        "E06000060 Buckinghamshire (1 row), E92000001 England (1 row). Nothing was written. Ask an uploader of "
        "those areas' partnership, or the national team, to do it."
    )


def test_refuse_outside_names_file_rows_and_takes_area_codes(tmp_path):
    path = tmp_path / "three.csv"
    path.write_text(THREE_ROWS, encoding="utf-8")
    from metrics.ingest.problems import ProblemLog
    from metrics.ingest.readers.template_csv import read_template_csv

    rows = read_template_csv(path, "three.csv", ProblemLog("three.csv"), "utf-8").rows
    with pytest.raises(
        OutsideScope, match=r": E06000060 Buckinghamshire \(file row 3\), E92000001 England \(file row 4\)"
    ):
        _hw().refuse_outside(rows)
    _hw().refuse_outside(["E10000034", "E06000019"])  # inside: nothing raised
    with pytest.raises(OutsideScope) as err:
        _hw().refuse_outside(["E10000034", "E06000060"])  # e.g. a delivery plan's areas
    assert str(err.value).startswith("Refused: 1 area outside what analyst@worcestershire.gov.uk may write (")
    assert str(err.value).split("): ", 1)[1].startswith("E06000060 Buckinghamshire. Nothing was written.")
    operator_scope().refuse_outside(rows)  # full rights: nothing raised


def test_inside_the_scope_it_commits_and_records_who_and_scope(db, tmp_path):
    path = tmp_path / "ours.csv"
    path.write_text(THREE_ROWS.split("\n", 2)[0] + "\n" + THREE_ROWS.split("\n")[1] + "\n", encoding="utf-8")
    scope = _hw()
    prepared = prepare(path, scope=scope)
    assert prepared.ok, prepared.problems
    with Store(db) as store:
        rid, summary = commit(store, prepared, author=scope.who, scope=scope)
        rev = store.revisions().set_index("revision_id").loc[rid]
    assert summary.changed == 1
    assert (rev["author"], rev["scope"]) == ("analyst@worcestershire.gov.uk", scope.name)


def test_a_rollback_of_another_partnerships_revision_is_refused(db, tmp_path):
    path = tmp_path / "bucks.csv"
    path.write_text(
        "metric_key,area_code,period,value,lower95,upper95\nunmet_need_ocu,E06000060,2019/20,61,50,70\n",
        encoding="utf-8",
    )
    with Store(db) as store:
        rid, _ = commit(store, prepare(path), author="ops", scope=operator_scope("ops"))
        before = store.export_fingerprint()
        plan = rollback_plan(store, rid, scope=_hw())
        with pytest.raises(OutsideScope) as err:
            rollback(store, rid, "analyst@worcestershire.gov.uk", scope=_hw())
        assert store.export_fingerprint() == before
        assert store.revisions()["revision_id"].max() == rid
    expected = (
        f"Refused: 1 cell outside what analyst@worcestershire.gov.uk may write ({HW_SCOPE_WORDS}): "
        "E06000060 Buckinghamshire (1 row). Nothing was written."
    )
    assert str(err.value).startswith(expected) and plan.refused.startswith(expected)


def test_write_revision_refuses_for_a_refresh_and_records_its_scope(db, tmp_path):
    """The call a Fingertips refresh makes: write_revision(..., scope=...)."""
    path = tmp_path / "three.csv"
    path.write_text(THREE_ROWS, encoding="utf-8")
    rows = prepare(path).rows
    info = RevisionInfo(author="analyst@worcestershire.gov.uk", action="upload", file_name="refresh")
    with Store(db) as store:
        with pytest.raises(OutsideScope, match="Refused: 2 rows outside"):
            write_revision(store, rows, info, scope=_hw())
        rid, _ = write_revision(store, rows, info, scope=scope_for(SETTINGS, _user(roles=["cdp.national"]), True))
        assert store.revisions().set_index("revision_id").loc[rid, "scope"] == "national"


# ------------------------------------------------------------------------------------------------ command line
def test_the_command_line_records_the_operator_and_shows_who_and_scope(db, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("USER", "ops-person")
    monkeypatch.setenv("LOGNAME", "ops-person")
    path = tmp_path / "three.csv"
    path.write_text(THREE_ROWS, encoding="utf-8")
    assert main(["ingest", str(path), "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["history", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    newest = out.splitlines()[1]
    assert "ops-person" in newest and "command line (operator, full rights)" in newest
    assert "build (full rights)" in out


def test_the_command_line_as_a_partnership_refuses_other_areas(db, tmp_path, capsys):
    path = tmp_path / "three.csv"
    path.write_text(THREE_ROWS, encoding="utf-8")
    with Store(db, read_only=True) as store:
        before = store.export_fingerprint()
    assert main(["ingest", str(path), "--db", str(db), "--partnership", HW, "--author", "ops"]) == 2
    out = capsys.readouterr().out
    assert "Rejected: nothing was written." in out
    assert (
        "E06000060 Buckinghamshire is outside what you may write (command line (operator) as partnership CDP0001 "
        "Herefordshire and Worcestershire CDP: E06000019 Herefordshire, County of; E10000034 Worcestershire)" in out
    )
    assert main(["ingest", str(path), "--db", str(db), "--partnership", "E06000019"]) == 2
    assert "belongs to the joint partnership CDP0001" in capsys.readouterr().err
    with Store(db, read_only=True) as store:
        assert store.export_fingerprint() == before


def test_the_command_line_rollback_as_a_partnership_is_refused(db, tmp_path, capsys):
    path = tmp_path / "three.csv"
    path.write_text(THREE_ROWS, encoding="utf-8")
    assert main(["ingest", str(path), "--db", str(db)]) == 0
    with Store(db, read_only=True) as store:
        rid = int(store.revisions()["revision_id"].max())
    capsys.readouterr()
    assert main(["rollback", str(rid), "--db", str(db), "--partnership", HW, "--author", "ops"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Refused: 2 cells outside what ops may write (command line (operator) as partnership CDP0001")
    assert "E06000060 Buckinghamshire (1 row), E92000001 England (1 row). Nothing was written." in err
