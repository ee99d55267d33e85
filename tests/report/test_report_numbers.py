"""Every number in a generated report's narrative and tables is the derived value the pages show.

The report is generated (metrics.report.collect, then the Word renderer) and read back with python-docx; the
expected figures come from the store's reads and metrics.presentation, as the scorecard page computes them.
The charts are not drawn here (their pictures carry no text to read back; tests/report/test_report_cli.py and the
browser test draw them)."""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd
import pytest

from metrics import presentation as pr
from metrics.areas import ENGLAND_CODE, default_geography
from metrics.catalogue import default_catalogue
from metrics.report import collect
from metrics.report.word import render_docx
from metrics.store import Store
from tests.report.docx_reading import numbers_in, read_docx

AREAS = ["E10000034", "E10000025", "E06000060", "CDP0001"]  # Worcestershire, Oxfordshire, Buckinghamshire, H&W CDP
NOT_LOCAL = {"Not published locally", "No data", "No data uploaded yet"}


def _page_figures(store: Store, code: str):
    """What the scorecard page shows for the area: its rows, and the derived rows behind them."""
    cat, geo = default_catalogue(), default_geography()
    area = geo.get(code)
    region = geo.region_of(code)
    region = region if region is not None and region.level == "region" else None
    kinds = cat.period_kinds()  # the pages' rule of "latest", which the report follows (issue 27 item 4)
    latest = store.latest_for_area(code, kinds)
    england = store.latest_for_area(ENGLAND_CODE, kinds)
    region_latest = store.latest_for_area(region.code, kinds) if region is not None else None
    indicators = [i for i in cat.ordered() if i.tier != "local" or code in i.areas]
    members = {m: geo.get(m).name for m in area.members} if area.level == "cdp" else {}
    members_latest = store.latest_for_areas(list(members), kinds) if members else None
    rows = pr.scorecard_rows(
        indicators,
        code,
        area.level,
        latest,
        england,
        region_latest,
        store.sparklines(code),
        "England",
        members_latest=members_latest,
        members=members,
    )
    return area, indicators, rows, latest.set_index("metric_key"), england.set_index("metric_key"), members_latest


def _allowed_numbers(ind, latest_row, england_row) -> set[str]:
    """The figures a sentence about the metric may contain, formatted as the pages format them."""
    out = set()
    for row in (latest_row, england_row):
        if row is None:
            continue
        # (the latest compared figure beside one that is not: issue 27 item 5)
        for col in (
            "value",
            "lower95",
            "upper95",
            "england_value",
            "region_value",
            "count",
            "compared_value",
            "compared_lower95",
            "compared_upper95",
            "compared_england_value",
        ):
            if col in row and pd.notna(row[col]):
                out.add(pr.format_number(row[col], ind.unit))
    return out


def _strip_labels(text: str, ind, periods: set[str]) -> str:
    """Remove the words that carry numbers of their own: period labels, the target's label, '95%', the unit."""
    if ind.target is not None:
        text = text.replace(ind.target.label, "")
    # (as stored, "2022 - 24", and as shown, "2022-24")
    for p in sorted(periods | {pr.period_words(p) for p in periods}, key=len, reverse=True):
        text = text.replace(p, "")
    text = re.sub(r"\(\d+-\d+\)", "", text.replace(ind.short_name, ""))  # age bands in names: "(15-64)"
    return text.replace("95% confidence interval", "").replace(ind.unit, "")


@pytest.fixture(scope="module")
def reports(built_db):
    cat, geo = default_catalogue(), default_geography()
    out = {}
    with Store(built_db, read_only=True) as store:
        for code in AREAS:
            # (these tests compare every figure of the report with the page's, demonstration ones included)
            model = collect(store, cat, geo, code, "england", since="1", with_demonstration=True)
            out[code] = (model, read_docx(render_docx(model, {})), _page_figures(store, code))
    return out


@pytest.mark.parametrize("code", AREAS)
def test_tables_show_the_scorecards_figures(reports, code):
    _model, items, (_area, indicators, rows, latest, _england, _members) = reports[code]
    by_name = {r["Indicator"]: r for r in rows.to_dict("records")}
    tables = [i for i in items if i.kind == "table" and i.h1 == "Indicators by outcome"]
    assert [t.h2 for t in tables] == [
        o.name for o in default_catalogue().outcomes if any(i.outcome == o.key for i in indicators)
    ]
    seen = 0
    for t in tables:
        for doc_row in t.table.to_dict("records"):
            page = by_name[doc_row["Indicator"]]
            for col in ("Period", "Value", "95% CI", "England", "Region", "Recent trend", "Target"):
                assert doc_row[col] == str(page[col] or ""), (code, doc_row["Indicator"], col)
            assert doc_row["Compared with England"] == page["Compared with England"]
            assert doc_row["Data"] == ("Demo" if page["is_demo"] else "Real")
            seen += 1
            if doc_row["Value"] not in NOT_LOCAL and page["key"] in latest.index:
                r = latest.loc[page["key"]]
                ind = default_catalogue().get(page["key"])
                # and the number itself is the stored derived value, to the pages' precision
                # (an aggregate without a value shows why, as the pages do: issue 15)
                assert doc_row["Value"] == pr.value_or_reason(
                    r["value"], ind.unit, r["value_note"], r.get("aggregation_note")
                )
                # England may have no figure for the area's own newer period (issue 27 item 4)
                assert doc_row["England"] == (
                    pr.format_value(r["england_value"], ind.unit)
                    if pd.notna(r["england_value"])
                    else f"No {r['period']} figure"
                )
    assert seen == len(rows)


@pytest.mark.parametrize("code", AREAS)
def test_every_number_in_the_sentences_is_a_derived_value(reports, code):
    _model, items, (_area, indicators, _rows, latest, england, members) = reports[code]
    by_short = {i.short_name: i for i in indicators}
    periods = set(latest["period"]) | set(england["period"])
    if members is not None:  # a footprint's members' own figures, beside the reason it has none (item 8)
        periods |= set(members["period"])
    periods |= {p for p in pd.concat([latest["compared_period"], latest["trend_period"]]) if isinstance(p, str)}
    checked = with_value = 0
    for item in items:
        if item.kind != "paragraph" or item.h1 != "Indicators by outcome" or not item.lead:
            continue
        ind = by_short[item.lead.rstrip(". ")]
        local_row = latest.loc[ind.key] if ind.key in latest.index else None
        eng_row = england.loc[ind.key] if ind.key in england.index else None
        allowed = _allowed_numbers(ind, local_row, eng_row)
        if members is not None:
            for _, member in members[members["metric_key"] == ind.key].iterrows():
                allowed |= _allowed_numbers(ind, member, None)
        found = numbers_in(_strip_labels(item.text[len(item.lead) :], ind, periods))
        assert set(found) <= allowed, (code, ind.key, item.text, allowed)
        checked += 1
        if local_row is not None and pd.notna(local_row["value"]) and item.text.count("the figure for"):
            assert pr.format_number(local_row["value"], ind.unit) in found
            with_value += 1
    assert checked == len(indicators)
    assert with_value >= 5  # the areas have local figures: the check above is not vacuous


@pytest.mark.parametrize("code", AREAS)
def test_at_a_glance_counts_the_pages_verdicts(reports, code):
    _model, items, (_area, _indicators, rows, _latest, _england, _members) = reports[code]
    glance = next(i.table for i in items if i.kind == "table" and i.h1 == "At a glance")
    cat = default_catalogue()
    for doc_row in glance.to_dict("records"):
        outcome = next(o for o in cat.outcomes if o.name == doc_row["Outcome"])
        part = rows[[cat.get(k).outcome == outcome.key for k in rows["key"]]]
        verdicts = Counter(part["Compared with England"])
        assert int(doc_row["Indicators"]) == len(part)
        for word in ("Better", "Similar", "Worse", "Not compared"):
            assert int(doc_row[word]) == verdicts.get(word, 0), (code, outcome.key, word)
        published = sum(n for v, n in verdicts.items() if str(v).endswith(" (as published)"))
        assert int(doc_row["As published"]) == published, (code, outcome.key)
        assert int(doc_row["On target"]) == sum(str(t).startswith("Meets target") for t in part["Target"])
        assert int(doc_row["Off target"]) == sum(str(t).startswith("Misses target") for t in part["Target"])


@pytest.mark.parametrize("code", AREAS)
def test_attention_lists_quote_the_derived_values(reports, code):
    _model, items, (_area, indicators, rows, latest, england, _members) = reports[code]
    by_short = {i.short_name: i for i in indicators}
    bullets = [
        i
        for i in items
        if i.kind == "paragraph" and i.style == "List Bullet" and i.h1 in ("Needs attention", "Going well")
    ]
    periods = set(latest["period"]) | set(england["period"])
    periods |= {p for p in pd.concat([latest["compared_period"], latest["trend_period"]]) if isinstance(p, str)}
    for b in bullets:
        short = next(s for s in sorted(by_short, key=len, reverse=True) if b.text.startswith(s + ":"))
        ind = by_short[short]
        row = latest.loc[ind.key]
        if "worse than England" in b.text:
            assert row["compared_to_england"] == "Worse"
        if "better than England" in b.text:
            assert row["compared_to_england"] == "Better"
        allowed = _allowed_numbers(ind, row, None)
        assert set(numbers_in(_strip_labels(b.text, ind, periods))) <= allowed, b.text
    worse = [r for r in rows.to_dict("records") if r["Compared with England"] == "Worse"]
    listed = [b for b in bullets if b.h1 == "Needs attention" and "Worse than England" in b.h2]
    assert len(listed) == len(worse)


@pytest.mark.parametrize("code", AREAS)
def test_demonstration_warning_and_document_structure(reports, code):
    _model, items, (area, _indicators, rows, _latest, _england, _members) = reports[code]
    first_page = [i for i in items[:12] if i.kind == "paragraph"]
    assert first_page[0].style == "Title" and area.name in first_page[0].text
    any_demo = bool(rows["is_demo"].any())
    assert any_demo  # the bundled data is a demonstration dataset
    assert any(i.text.startswith("Warning: Demonstration data, included as asked.") for i in first_page)
    h1 = [i.text for i in items if i.kind == "paragraph" and i.style == "Heading 1"]
    # The board paper's parts (issue 31; nothing written here, so each says it is to be written), then the data.
    assert h1[: h1.index("Data appendix") + 1] == [
        "Recommendation",
        "Executive summary",
        "Delivery plan",
        "Impact on health disparities",
        "Implications",
        "Contacts",
        "What changed since the last board (revision 1)",
        "The red list",
        "Data appendix",
    ]
    assert h1[h1.index("Data appendix") + 1 :] == [
        "At a glance",
        "Needs attention",
        "Going well",
        "What changed since revision 1",
        "Indicators by outcome",
        "Charts",
        "Appendix: sources and definitions",
    ]
    assert any("Open Government Licence" in i.text for i in items if i.h1.startswith("Appendix"))


def test_the_html_report_says_what_the_word_report_says(reports):
    from html import escape

    from metrics.report.web import render_html

    model, items, _ = reports["E10000034"]
    html = render_html(model, {}).decode("utf-8")
    cells = [c for i in items if i.kind == "table" for c in i.table.to_numpy().ravel()]
    # (a cell may break after an underscore: <wbr> is a place to break, not text)
    assert cells and all(f"<td>{escape(c).replace('_', '_<wbr>')}</td>" in html for c in cells)
    sentences = [
        i.text[len(i.lead) :] for i in items if i.kind == "paragraph" and i.h1 == "Indicators by outcome" and i.lead
    ]
    assert sentences and all(escape(s) in html for s in sentences)
    assert '<p class="warning" role="alert">Warning: Demonstration data, included as asked.' in html


def test_a_published_verdict_is_reported_as_the_publishers(reports):
    """Worcestershire's 2022/23 continuity of care has no interval; the report gives its publisher's verdict in
    words that say so, counts it as published (not as computed Better) and does not list it as going well."""
    model, items, (_area, _indicators, rows, _latest, _england, _members) = reports["E10000034"]
    coc = rows.set_index("key").loc["continuity_of_care"]
    assert (coc["Period"], coc["Compared with England"]) == ("2022/23", "Better (as published)")
    text = "\n".join(i.text for i in items if i.kind == "paragraph")
    assert "was 51.7%, better than England (42.6%) as its publisher states it (as published" in text
    assert int(model.at_a_glance()["As published"].sum()) >= 1
    going_well = [m.indicator.key for metrics in model.going_well().values() for m in metrics]
    assert "continuity_of_care" not in going_well
