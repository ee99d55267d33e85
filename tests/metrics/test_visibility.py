"""metrics.visibility on the built database: restricted metrics filtered out of reads, the export and the board
report (its tables, sentences and chart figures) for anyone who may not see them, and kept for a member."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from metrics.access import PUBLIC, Scope, operator_scope, partnership_areas
from metrics.areas import ENGLAND_CODE, default_geography
from metrics.catalogue import default_catalogue
from metrics.cli import main
from metrics.report.model import collect
from metrics.report.web import render_html
from metrics.store import Store
from metrics.visibility import VisibleStore, catalogue_for, hidden_metrics, placeholder, visible

KEY, NAME = "deaths_in_treatment", "Deaths in treatment"
WORCS, BUCKS = "E10000034", "E06000060"


def _member() -> Scope:
    areas = partnership_areas("CDP0001", default_geography())
    return Scope("m@w.gov.uk", "reader of CDP0001", frozenset(), areas | {ENGLAND_CODE, "E12000005"})


def test_the_catalogue_marks_deaths_in_treatment_restricted_and_only_members_browse_it():
    cat = default_catalogue()
    assert [i.key for i in cat.indicators if i.restricted] == [KEY]
    assert KEY not in catalogue_for(cat, PUBLIC).by_key()
    assert KEY in catalogue_for(cat, _member()).by_key() and KEY in catalogue_for(cat, operator_scope()).by_key()
    assert catalogue_for(cat, PUBLIC) is catalogue_for(cat, PUBLIC)  # made once


def test_visible_drops_restricted_rows_outside_the_scope(built_db):
    with Store(built_db, read_only=True) as store:
        rows = store.latest_for_areas([WORCS, BUCKS, ENGLAND_CODE])
    assert {WORCS, BUCKS, ENGLAND_CODE} <= set(rows.loc[rows.metric_key == KEY, "area_code"])
    cat = default_catalogue()
    public = visible(rows, PUBLIC, cat)
    assert KEY not in set(public.metric_key) and len(public) == (rows.metric_key != KEY).sum()
    member = visible(rows, _member(), cat)
    assert set(member.loc[member.metric_key == KEY, "area_code"]) == {WORCS, ENGLAND_CODE}
    assert visible(rows, operator_scope(), cat) is rows
    assert [i.key for i in hidden_metrics(cat, _member(), [BUCKS])] == [KEY]
    assert hidden_metrics(cat, _member(), [WORCS]) == []
    assert placeholder([cat.get(KEY)], ["Buckinghamshire"]).startswith(
        f"{NAME} is restricted: shown only to signed-in members of a partnership containing the area (here: "
        "Buckinghamshire). Its figures are hidden on every page, download, chart, export and report."
    )


def test_a_visible_store_filters_every_read_and_keeps_ranges_across_authorities_from_members(built_db):
    with Store(built_db, read_only=True) as raw:
        member = VisibleStore(raw, _member(), default_catalogue())
        series = member.series(KEY, [WORCS, BUCKS])
        assert set(series.area_code) == {WORCS}
        assert KEY in set(member.sparklines(WORCS).metric_key) and KEY not in set(member.sparklines(BUCKS).metric_key)
        # a range across every authority is never made from the two a member sees
        assert KEY not in set(member.latest_level_values("utla").metric_key)
        assert KEY in set(raw.latest_level_values("utla").metric_key)
        assert len(member.revisions()) == len(raw.revisions())  # not a frame of metrics: as it is


@pytest.mark.parametrize("derived", [[], ["--derived"], ["--derived", "--layout", "fingertips"]])
def test_the_export_has_restricted_metrics_for_the_operator_and_not_with_public(built_db, capsys, derived):
    assert main(["export", *derived, "--db", str(built_db)]) == 0
    full = capsys.readouterr().out
    assert main(["export", *derived, "--public", "--db", str(built_db)]) == 0
    public = capsys.readouterr().out
    if derived[-1:] == ["fingertips"]:  # the Fingertips layout names indicators, not keys
        assert NAME.lower() not in public.lower()
    else:
        frame = pd.read_csv(io.StringIO(full), low_memory=False)
        assert KEY in set(frame.metric_key)
        kept = frame[frame.metric_key != KEY]
        assert len(pd.read_csv(io.StringIO(public), low_memory=False)) == len(kept) and KEY not in public


def _report(store, scope):
    # deaths in treatment (the restricted metric) has demonstration figures only: asked for, so that a member's
    # report has it and the public's must leave it out
    return collect(store, default_catalogue(), default_geography(), BUCKS, scope=scope, with_demonstration=True)


def test_the_report_leaves_restricted_metrics_out_with_a_note_and_keeps_them_for_a_member(built_db):
    with Store(built_db, read_only=True) as store:
        public = _report(store, PUBLIC)
        operator = _report(store, None)
        bucks_member = Scope("b@bucks.gov.uk", "reader of E06000060", frozenset(), frozenset({BUCKS, ENGLAND_CODE}))
        member = _report(store, bucks_member)
    assert KEY not in {m.key for m in public.metrics} and KEY in {m.key for m in operator.metrics}
    assert KEY in {m.key for m in member.metrics} and member.restricted_note is None
    assert public.restricted_note.startswith(f"{NAME} is restricted")
    html = render_html(public, {}).decode()
    assert html.count(NAME) == html.count(f"{NAME} is restricted") == 1
    assert NAME in render_html(operator, {}).decode()
    # the chart images are drawn from these figures: none shows the metric
    for chart in public.charts:
        assert NAME not in chart.image.figure.to_json() and NAME not in chart.alt
    spine = next(c for c in operator.charts if c.key == "spine")
    assert NAME in spine.image.figure.to_json()


@pytest.mark.skipif(not __import__("os").path.exists("/usr/bin/chromium"), reason="Debian's chromium")
def test_the_reports_chart_image_has_the_metric_for_the_operator_and_not_for_the_public(built_db):
    """The spine chart drawn as SVG (its words are text in the file): the picture itself, not only its figure."""
    from metrics.chart_images import figure_images

    with Store(built_db, read_only=True) as store:
        public, operator = _report(store, PUBLIC), _report(store, None)
    spines = [next(c for c in m.charts if c.key == "spine").image for m in (public, operator)]
    public_svg, operator_svg = (svg.decode("utf-8") for svg in figure_images(spines, "svg"))
    assert NAME in operator_svg and NAME not in public_svg
