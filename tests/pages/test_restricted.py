"""Restricted metrics on every page (AppTest): hidden from anyone not signed in as a member of a partnership
containing the area, with a placeholder that says why; shown to a member for the partnership's areas.

Deaths in treatment is `restricted: true` in config/indicators.yaml. Everything a page sends to the browser
(text, tables, charts, downloads' labels) is searched in the elements' protobuf messages."""

from __future__ import annotations

import secrets

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from metrics.settings import default_settings
from tests.pages.helpers import PAGES, TIMEOUT, frames, plotly_specs

NAME, KEY = "Deaths in treatment", "deaths_in_treatment"
PLACEHOLDER = f"{NAME} is restricted: shown only to signed-in members of a partnership containing the area"
# Deaths in treatment has only demonstration figures: a member's view of them needs demonstration data switched on.
DEMO = {"real": "false"}
MEMBER = {"is_logged_in": True, "email": "analyst@worcestershire.gov.uk"}
SETTINGS = """upload:
  local_mode: false
access:
  partnerships:
    - area: CDP0001
      readers:
        emails: [analyst@worcestershire.gov.uk]
"""
# Each page with the restricted metric asked for in its URL where the page picks one.
PAGE_PARAMS = {
    "scorecard": {"area": "E10000034"},
    "trends": {"metric": KEY, "area": "E10000034"},
    "compare": {"metric": KEY, "areas": ["E10000034", "E06000060"], "data": "true", "trends": "true"},
    "profile": {"area": "E10000034"},
    "map": {"metric": KEY},
    "inequalities": {"metric": KEY, "area": "E10000034"},
    "compare_indicators": {"metric": KEY, "metric_y": KEY},
    "definitions": {"metric": KEY},
    "report": {"area": "E10000034"},
}


@pytest.fixture
def settings_file(built_db, tmp_path, monkeypatch):
    path = tmp_path / "settings.yaml"
    path.write_text(SETTINGS)
    monkeypatch.setenv("CDOF_SETTINGS", str(path))
    default_settings.cache_clear()
    yield path
    default_settings.cache_clear()


def _run(page: str, params: dict, user: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(PAGES / f"{page}.py"), default_timeout=TIMEOUT * 2)
    for k, v in params.items():
        at.query_params[k] = v
    if user is not None:
        at.secrets["auth"] = {
            "redirect_uri": "http://localhost:8501/oauth2callback",
            "cookie_secret": secrets.token_urlsafe(32),
            "client_id": "x",
            "client_secret": "x",
            "server_metadata_url": "https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration",
        }
        at.user = dict(user)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _sent(at: AppTest) -> str:
    """Every element's message as the browser would receive it (text, tables' Arrow bytes, chart specs)."""
    out: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(out)


@pytest.mark.parametrize("page", list(PAGE_PARAMS))
def test_hidden_from_the_public_on_every_page_with_a_placeholder(settings_file, page):
    at = _run(page, PAGE_PARAMS[page])
    sent = _sent(at)
    assert KEY not in sent
    assert sent.count(NAME) == sent.count(PLACEHOLDER) >= 1, page  # named only where the placeholder says why
    for spec in plotly_specs(at):
        assert NAME not in str(spec)


@pytest.mark.parametrize("page", ["scorecard", "trends", "compare", "map", "definitions"])
def test_hidden_from_a_signed_in_user_of_no_partnership(settings_file, page):
    at = _run(page, PAGE_PARAMS[page], {"is_logged_in": True, "email": "someone@else.org"})
    sent = _sent(at)
    assert KEY not in sent and sent.count(NAME) == sent.count(PLACEHOLDER) >= 1


def _scorecard_table(at: AppTest):
    """The scorecard's per-outcome tables (every column shown), stacked, by indicator."""
    parts = [f for f in frames(at) if "Indicator" in f.columns and "Value" in f.columns]
    return pd.concat(parts).set_index("Indicator")


def test_shown_to_a_member_for_the_partnerships_area(settings_file):
    # With real data only the row would say "No published data loaded": its figures are demonstration.
    at = _run("scorecard", {"area": "E10000034", "details": "true", **DEMO}, MEMBER)
    table = _scorecard_table(at)
    assert NAME in table.index
    value = str(table.loc[NAME].get("Value", ""))
    assert value and value not in ("No data", "nan")


def test_hidden_from_a_member_for_another_area_with_a_placeholder(settings_file):
    # Demonstration data on: the restricted metric has only demonstration figures, so real-only has none to hide.
    at = _run("scorecard", {"area": "E06000060", "details": "true", **DEMO}, MEMBER)  # not the member's partnership
    assert any(i.value.startswith(PLACEHOLDER) for i in at.info)
    table = _scorecard_table(at)
    row = table.loc[NAME]
    assert "No data" in row.astype(str).tolist()


def test_a_members_charts_draw_only_the_partnerships_areas(settings_file):
    at = _run("trends", {"metric": KEY, "area": "E10000034", **DEMO}, MEMBER)  # its figures are demonstration
    names = {str(t.get("name")) for spec in plotly_specs(at) for t in spec["data"]}
    assert any("Worcestershire" in n for n in names) and any("England" in n for n in names)
    at = _run("compare", {**PAGE_PARAMS["compare"], **DEMO}, MEMBER)
    drawn = str(plotly_specs(at))
    assert "Worcestershire" in drawn and "Buckinghamshire" not in drawn
    assert any(i.value.startswith(PLACEHOLDER) for i in at.info)
    shown = frames(at)
    assert any("Worcestershire" in f.to_string() for f in shown)  # the data table is open ...
    assert all("Buckinghamshire" not in f.to_string() for f in shown)  # ... without the other partnership's area


def test_a_members_download_holds_only_what_the_page_shows(settings_file, captured_downloads):
    from tests.pages.helpers import download, read_csv_download

    at = _run("compare", {**PAGE_PARAMS["compare"], **DEMO}, MEMBER)  # its figures are demonstration
    _, table = read_csv_download(download(at, captured_downloads, "Download CSV"))
    assert "E10000034" in set(table["area_code"]) and "E06000060" not in set(table["area_code"])
