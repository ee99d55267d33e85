"""`python -m metrics refresh` against a loopback server that serves the real Fingertips bodies we hold and faults
made on purpose (tests/support/fingertips_server.py names which is which). No test reaches the network."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
import yaml

from metrics.build import build_database
from metrics.catalogue import load_catalogue
from metrics.cli import main
from metrics.ingest.pipeline import rollback
from metrics.sources.fingertips import FingertipsClient, IndicatorFailed, check_body
from metrics.sources.refresh import plan_refresh
from metrics.store import Store
from tests.support.fingertips_server import REAL_BODIES, FingertipsServer, Reply, closed_port_url

OPIATES, ALCOHOL, DEATHS, CAMPYLOBACTER = 93517, 93532, 92432, 93356


@pytest.fixture(scope="module")
def module_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("refresh_db") / "base.duckdb"
    build_database(path, log=lambda m: None)
    return path


@pytest.fixture
def db(module_db, tmp_path) -> Path:
    path = tmp_path / "store.duckdb"
    shutil.copy(module_db, path)
    return path


@pytest.fixture
def quick_retries(tmp_path, monkeypatch):
    """Settings whose retry back-off is a hundredth of a second (the product's is a second)."""
    settings = yaml.safe_load(Path("config/settings.yaml").read_text())
    settings["fingertips"]["retry_backoff_seconds"] = 0.01
    settings["fingertips"]["retries"] = 2
    path = tmp_path / "settings.yaml"
    path.write_text(yaml.safe_dump(settings))
    monkeypatch.setenv("CDOF_SETTINGS", str(path))


def real_server(*ids: int, **faults) -> FingertipsServer:
    return FingertipsServer({i: [Reply.file(REAL_BODIES[i])] for i in ids})


def refresh(capsys, *args: str) -> tuple[int, str]:
    code = main(["refresh", *args])
    return code, capsys.readouterr().out


def stored(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            """SELECT metric_key, area_code, period, breakdown, value, lower95, upper95, count, denominator,
                      source, published_comparison
               FROM observations ORDER BY ALL"""
        ).fetchall()


def revisions(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT count(*) FROM revisions").fetchone()[0]


def served_rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def _num(text: str) -> float | None:
    return float(text) if text.strip() else None


def test_refresh_stores_the_served_figures_to_the_last_digit_with_their_citation(db, capsys):
    with real_server(OPIATES, ALCOHOL) as server:
        code, out = refresh(
            capsys, "--indicators", f"{OPIATES},{ALCOHOL}", "--base-url", server.base_url, "--db", str(db)
        )
    assert code == 0, out
    assert f"{OPIATES} unmet_need_ocu: loaded 13 rows" in out
    assert f"{ALCOHOL} unmet_need_alcohol: loaded 17 rows" in out
    assert "2 indicators: 2 loaded, 0 unchanged, 0 failed" in out
    # One request per indicator, one at a time, with the project's User-Agent and the API's parameters.
    assert [q for q, _ in server.requests] == [
        f"indicator_ids={i}&child_area_type_id=502&parent_area_type_id=6" for i in (OPIATES, ALCOHOL)
    ]
    assert all(ua.startswith("cdof-outcomes-dashboard/") for _, ua in server.requests)
    rows = {(r[0], r[1], r[2]): r for r in stored(db)}
    today = datetime.now(UTC)
    for iid, key in ((OPIATES, "unmet_need_ocu"), (ALCOHOL, "unmet_need_alcohol")):
        served = served_rows(REAL_BODIES[iid])
        assert served
        for s in served:
            row = rows[(key, s["Area Code"], s["Time period"])]
            assert row[4] == _num(s["Value"])  # the served text's double, every digit
            assert (row[5], row[6]) == (_num(s["Lower CI 95.0 limit"]), _num(s["Upper CI 95.0 limit"]))
            assert (row[7], row[8]) == (_num(s["Count"]), _num(s["Denominator"]))
            assert row[9] == (
                f"OHID, Fingertips public health profiles, indicator {iid} {s['Indicator Name']}, retrieved "
                f"{today.day} {today:%B %Y}. Contains public sector information licensed under the Open "
                "Government Licence v3.0"
            )
    # The publisher's comparison with England is kept as published (Worcestershire 2022/23 in the alcohol body).
    verdicts = {r[10] for r in stored(db) if r[0] == "unmet_need_alcohol"}
    assert verdicts - {None, ""}, verdicts


def test_a_second_run_over_identical_responses_writes_no_revision(db, capsys):
    with real_server(OPIATES, ALCOHOL) as server:
        args = ("--indicators", f"{OPIATES},{ALCOHOL}", "--base-url", server.base_url, "--db", str(db))
        assert refresh(capsys, *args)[0] == 0
        before, values = revisions(db), stored(db)
        code, out = refresh(capsys, *args)
    assert code == 0
    assert f"{OPIATES} unmet_need_ocu: unchanged" in out and f"{ALCOHOL} unmet_need_alcohol: unchanged" in out
    assert "Nothing changed: no revision was written." in out
    assert revisions(db) == before and stored(db) == values


def test_dry_run_writes_nothing(db, capsys):
    before, values = revisions(db), stored(db)
    with real_server(OPIATES) as server:
        code, out = refresh(
            capsys, "--indicators", str(OPIATES), "--base-url", server.base_url, "--db", str(db), "--dry-run"
        )
    assert code == 0
    assert f"{OPIATES} unmet_need_ocu: would load 13 rows" in out and "Dry run: nothing was written." in out
    assert revisions(db) == before and stored(db) == values


def test_base_url_from_the_environment(db, capsys, monkeypatch):
    with real_server(OPIATES) as server:
        monkeypatch.setenv("CDOF_FINGERTIPS_URL", server.base_url)
        code, _ = refresh(capsys, "--indicators", str(OPIATES), "--db", str(db))
    assert code == 0 and len(server.requests) == 1


def test_an_id_not_in_the_catalogue_exits_2_before_any_request(db, capsys):
    with real_server(OPIATES) as server:
        code = main(["refresh", "--indicators", f"{OPIATES},12345", "--base-url", server.base_url, "--db", str(db)])
    assert code == 2
    assert "indicator '12345' is not a Fingertips ID in the catalogue" in capsys.readouterr().err
    assert server.requests == []


def test_connection_refused_is_one_sentence_and_writes_nothing(db, capsys, quick_retries):
    before, values = revisions(db), stored(db)
    code, out = refresh(capsys, "--base-url", closed_port_url(), "--db", str(db))
    assert code == 3
    assert out.count("\n") == 1 and out.startswith("Fingertips could not be reached at http://127.0.0.1:")
    assert "nothing was written" in out
    assert revisions(db) == before and stored(db) == values


def test_each_fault_fails_its_indicator_only_and_the_others_load(db, capsys, quick_retries):
    """500 then 200 and 429 (Retry-After) then 200 load; HTML with 200, a body cut short, a dropped connection,
    header only, a wrong header and another indicator's body each fail with their message and write nothing."""
    opiates, alcohol = REAL_BODIES[OPIATES], REAL_BODIES[ALCOHOL]
    script = {
        OPIATES: [Reply.error(500, "made-up fault: server error"), Reply.file(opiates)],
        ALCOHOL: [Reply.error(429, "made-up fault: slow down", retry_after="0"), Reply.file(alcohol)],
        DEATHS: [Reply.html_page()],
        91117: [Reply.cut_after(opiates)],
        92544: [Reply.header_only(opiates)],
        90244: [Reply.wrong_header(opiates)],
        90245: [Reply.dropped_connection(alcohol)],
        92447: [Reply.file(REAL_BODIES[CAMPYLOBACTER])],
    }
    ids = ",".join(str(i) for i in script)
    before = stored(db)
    with FingertipsServer(script) as server:
        code, out = refresh(capsys, "--indicators", ids, "--base-url", server.base_url, "--db", str(db))
    lines = {int(line.split()[0]): line for line in out.splitlines() if line[:1].isdigit() and ":" in line}
    assert code == 1
    assert "loaded 13 rows" in lines[OPIATES] and "loaded 17 rows" in lines[ALCOHOL]
    assert "failed: the response is an HTML page, not a Fingertips CSV" in lines[DEATHS]
    assert "failed: the response was cut short: its last line has no line end" in lines[91117]
    assert "failed: the response has a header and no rows" in lines[92544]
    assert "failed: wrong header: column 5 is 'AreaCode', expected 'Area Code'" in lines[90244]
    assert "failed: the connection failed while reading" in lines[90245] and "gave up after 3 attempts" in lines[90245]
    assert f"failed: row 2 is indicator {CAMPYLOBACTER}, not the 92447 asked for" in lines[92447]
    assert "8 indicators: 2 loaded, 0 unchanged, 6 failed" in out
    # Nothing of a failed indicator's metric changed; the two that loaded are in one revision.
    failed_keys = {"drug_misuse_deaths", "ocu_prevalence", "continuity_of_care", "successful_completion_opiate",
                   "successful_completion_non_opiate", "successful_completion_alcohol"}  # fmt: skip
    after = stored(db)
    assert [r for r in after if r[0] in failed_keys] == [r for r in before if r[0] in failed_keys]
    with duckdb.connect(str(db), read_only=True) as con:
        newest = con.execute("SELECT file_name FROM revisions ORDER BY revision_id DESC LIMIT 1").fetchone()[0]
    assert newest == f"Fingertips refresh: indicators {OPIATES}, {ALCOHOL}"


def test_retry_after_is_honoured_and_back_off_doubles():
    waits: list[float] = []
    script = {
        OPIATES: [
            Reply.error(429, "made-up fault", retry_after="7"),
            Reply.error(503),
            Reply.file(REAL_BODIES[OPIATES]),
        ]
    }
    with FingertipsServer(script) as server:
        client = FingertipsClient(server.base_url, retries=3, backoff_base=0.5, sleep=waits.append)
        body = client.fetch(OPIATES)
        client.close()
    assert waits == [7.0, 1.0]  # Retry-After over the first back-off (0.5 s), then 0.5 x 2
    assert body.content == REAL_BODIES[OPIATES].read_bytes()


def test_a_response_over_the_size_cap_is_refused():
    with real_server(DEATHS) as server:
        client = FingertipsClient(server.base_url, max_bytes=100_000)
        with pytest.raises(IndicatorFailed, match="larger than the 0 MB cap"):
            client.fetch(DEATHS)
        client.close()


def test_save_and_from_round_trip(module_db, tmp_path, capsys):
    online, offline = tmp_path / "online.duckdb", tmp_path / "offline.duckdb"
    shutil.copy(module_db, online)
    shutil.copy(module_db, offline)
    saved = tmp_path / "saved"
    ids = f"{OPIATES},{ALCOHOL}"
    with real_server(OPIATES, ALCOHOL) as server:
        code, _ = refresh(
            capsys, "--indicators", ids, "--base-url", server.base_url, "--db", str(online), "--save", str(saved)
        )
    assert code == 0
    manifest = json.loads((saved / "manifest.json").read_text())
    for entry in manifest["responses"]:
        assert (saved / entry["file"]).read_bytes() == REAL_BODIES[entry["indicator_id"]].read_bytes()
        assert entry["url"].endswith(
            f"indicator_ids={entry['indicator_id']}&child_area_type_id=502&parent_area_type_id=6"
        )
        assert len(entry["sha256"]) == 64 and entry["retrieved_at"]
    code, out = refresh(capsys, "--indicators", ids, "--from", str(saved), "--db", str(offline))
    assert code == 0 and "loaded 13 rows" in out
    assert stored(offline) == stored(online)
    # Without --indicators, --from loads what was saved (nothing else is failed for want of a response).
    code, out = refresh(capsys, "--from", str(saved), "--db", str(offline))
    assert code == 0 and "2 indicators: 0 loaded, 2 unchanged, 0 failed" in out
    # A saved file changed after saving is refused by its manifest's sha256.
    (saved / f"fingertips_{OPIATES}.csv").write_bytes(REAL_BODIES[OPIATES].read_bytes().replace(b"52.3", b"12.3"))
    code, out = refresh(capsys, "--indicators", str(OPIATES), "--from", str(saved), "--db", str(offline))
    assert code == 1 and "does not match its manifest" in out


def test_a_refresh_rolls_back_like_an_upload(db, capsys):
    before = stored(db)
    with real_server(OPIATES, ALCOHOL) as server:
        refresh(capsys, "--indicators", f"{OPIATES},{ALCOHOL}", "--base-url", server.base_url, "--db", str(db))
    assert stored(db) != before
    with duckdb.connect(str(db), read_only=True) as con:
        rid = con.execute("SELECT max(revision_id) FROM revisions").fetchone()[0]
    with Store(db) as store:
        rollback(store, rid, author="test")
    assert stored(db) == before


def test_the_recorded_26_column_body_is_read_and_its_retired_codes_fail_it(db, tmp_path):
    """The one recorded all_data body (93356, area type 102, 2020): the reader survives its quoted newline and
    rows one cell short; its pre-2021 county codes are validation errors, so the indicator fails, named."""
    catalogue_file = tmp_path / "indicators.yaml"
    entries = yaml.safe_load(Path("config/indicators.yaml").read_text())
    entries["indicators"].append(
        dict(key="campylobacter_incidence", name="Campylobacter incidence", short_name="Campylobacter",
             outcome="reduce_deaths_harm", tier="related", definition="test entry", unit="per 100,000",
             value_type="crude_rate", multiplier=100000, polarity="lower_is_better", ci_method="byars",
             source="OHID Fingertips 93356", geography="local_authority", frequency="annual",
             period_kind="calendar_year", fingertips_id=CAMPYLOBACTER, value_is_count_ratio=True)
    )  # fmt: skip
    catalogue_file.write_text(yaml.safe_dump(entries))
    catalogue = load_catalogue(catalogue_file)
    assert check_body(REAL_BODIES[CAMPYLOBACTER].read_bytes(), CAMPYLOBACTER) == 852
    with real_server(CAMPYLOBACTER) as server, Store(db) as store:
        client = FingertipsClient(server.base_url)
        plan = plan_refresh(store, [CAMPYLOBACTER], client.fetch, catalogue=catalogue)
        client.close()
    (result,) = plan.results
    assert result.published_name == "Campylobacter incidence rate/100,000\n"
    assert result.status == "failed"
    assert "validation errors, nothing was loaded" in result.reason
    assert "retired area code (the former Bournemouth)" in result.reason


def test_a_refresh_into_postgresql_stores_what_it_stores_in_the_file_and_rolls_back(db, pg_built_copy, capsys):
    """Issue 32: the refresh on the shared store. The same responses refreshed into the file and into PostgreSQL
    give the same observations, and a rollback on PostgreSQL takes them out again."""
    from metrics.store import open_store

    def observations(location) -> list[tuple]:
        with open_store(location, read_only=True) as store:
            rows = store.export_rows()
        keep = rows[rows["metric_key"].isin(["unmet_need_ocu", "unmet_need_alcohol"])]
        columns = ["metric_key", "area_code", "period", "breakdown", "value", "lower95", "upper95", "count"]
        return sorted(keep[columns].astype(str).itertuples(index=False, name=None))

    before = observations(pg_built_copy)
    for location in (str(db), pg_built_copy):
        with real_server(OPIATES, ALCOHOL) as server:
            code, out = refresh(
                capsys, "--indicators", f"{OPIATES},{ALCOHOL}", "--base-url", server.base_url, "--db", location
            )
        assert code == 0 and "2 indicators: 2 loaded" in out, out
    assert observations(pg_built_copy) == observations(str(db)) != before
    with open_store(pg_built_copy) as store:
        latest = store.latest_revision()
        rollback(store, latest, "ops")
    assert observations(pg_built_copy) == before
