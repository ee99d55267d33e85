"""A publisher's own comparison with England: read from a Fingertips download's "Compared to England value or
percentiles" and from the template's optional published_comparison column, checked, stored, and shown as "...
(as published)" only where the dashboard cannot compare the value itself."""

from __future__ import annotations

from metrics.areas import load_geography
from metrics.build import areas_frame
from metrics.ingest.pipeline import commit, prepare
from metrics.store import Store
from tests.fixtures.make_broken import FINGERTIPS_HEADER, HEADER

from .conftest import FIXTURES

TEMPLATE = HEADER.rstrip("\n") + ",published_comparison\n"


def _fingertips_row(ind_id, area, area_type, period, value, lower, upper, compared):
    return (
        f"{ind_id},Name,,,{area},Area,{area_type},Persons,All ages,,,{period},{value},{lower},{upper},,,,,,,"
        f"{compared},,2022,,\n"
    )


def _verdicts(prepared):
    rows = prepared.rows.set_index(["metric_key", "area_code", "period"])["published_comparison"]
    return {k: (None if v is None or v != v else v) for k, v in rows.astype(object).items()}


def test_the_fingertips_sample_keeps_its_comparisons_with_england():
    prepared = prepare(FIXTURES / "fingertips/unmet_opiates.csv")
    assert prepared.ok, prepared.problems.to_string()
    verdicts = _verdicts(prepared)
    assert verdicts[("unmet_need_ocu", "E06000001", "2019/20")] == "Similar"  # Hartlepool
    assert verdicts[("unmet_need_ocu", "E92000001", "2019/20")] is None  # "Not compared"
    assert set(verdicts.values()) == {"Similar", "Better", None}


def test_fingertips_words_become_verdicts_and_quintiles_none(tmp_path):
    """ "Better 95%" and "Worse 99.8%" are verdicts; "Not compared" and a quintile are none, and an indicator
    compared by quintile has none at all (its "Better" is a quintile); an unknown word is a warning."""
    path = tmp_path / "fingertips.csv"
    path.write_text(
        FINGERTIPS_HEADER
        + _fingertips_row(93517, "E10000034", "County", "2019/20", 53.2, "", "", "Better 95%")
        + _fingertips_row(93517, "E10000025", "County", "2019/20", 50.1, "", "", "Worse 99.8%")
        + _fingertips_row(93517, "E06000060", "UA", "2019/20", 51.0, "", "", "Not compared")
        + _fingertips_row(93517, "E10000031", "County", "2019/20", 51.5, "", "", "Much the same")
        + _fingertips_row(93517, "E92000001", "England", "2019/20", 52.1, 51.6, 53.8, "")
        + _fingertips_row(93532, "E10000034", "County", "2019/20", 80.0, "", "", "Best")
        + _fingertips_row(93532, "E10000025", "County", "2019/20", 79.0, "", "", "Better")
    )
    prepared = prepare(path)
    assert prepared.ok, prepared.problems.to_string()
    verdicts = _verdicts(prepared)
    assert verdicts[("unmet_need_ocu", "E10000034", "2019/20")] == "Better"
    assert verdicts[("unmet_need_ocu", "E10000025", "2019/20")] == "Worse"
    assert verdicts[("unmet_need_ocu", "E06000060", "2019/20")] is None
    assert verdicts[("unmet_need_ocu", "E10000031", "2019/20")] is None
    assert verdicts[("unmet_need_alcohol", "E10000034", "2019/20")] is None
    assert verdicts[("unmet_need_alcohol", "E10000025", "2019/20")] is None
    warning = prepared.problems[prepared.problems["column"] == "Compared to England value or percentiles"]
    assert warning[["severity", "row", "value"]].values.tolist() == [["warning", 5, "Much the same"]]


def test_the_template_takes_an_optional_published_comparison(tmp_path):
    path = tmp_path / "published.csv"
    path.write_text(
        TEMPLATE
        + "continuity_of_care,E10000034,2022/23,Total,51.70,,,,,,,,Report,better\n"
        + "continuity_of_care,E92000001,2022/23,Total,42.61,,,,,,,,Report,\n"
        + "continuity_of_care,E06000019,2022/23,Total,20,,,,,20,100,,Report,Better 95%\n"
        + "continuity_of_care,E10000031,2022/23,Total,50,,,,,,,,Report,Not compared\n"
    )
    prepared = prepare(path)
    assert prepared.ok, prepared.problems.to_string()
    assert prepared.file_format == "template"
    verdicts = _verdicts(prepared)
    assert verdicts[("continuity_of_care", "E10000034", "2022/23")] == "Better"
    assert verdicts[("continuity_of_care", "E06000019", "2022/23")] == "Better"
    assert verdicts[("continuity_of_care", "E92000001", "2022/23")] is None
    assert verdicts[("continuity_of_care", "E10000031", "2022/23")] is None

    with Store(tmp_path / "store.duckdb") as store:
        with store.transaction() as cur:
            store.replace_areas(cur, areas_frame(load_geography()))
        commit(store, prepared, author="test")
        shown = store.latest_for_areas(["E10000034", "E06000019", "E10000031"]).set_index("area_code")
        stored = store._query("SELECT area_code, published_comparison FROM observations ORDER BY 1")
    assert shown.loc["E10000034", "compared_to_england"] == "Better (as published)"
    # an interval from its counts: the dashboard's own verdict, whatever the file says
    assert shown.loc["E06000019", "compared_to_england"] == "Worse"
    assert shown.loc["E10000031", "compared_to_england"] == "Not compared"
    assert stored.set_index("area_code")["published_comparison"].to_dict()["E06000019"] == "Better"


def test_a_published_comparison_that_is_not_a_verdict_is_an_error_saying_what_to_write(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        TEMPLATE
        + "continuity_of_care,E10000034,2022/23,Total,51.70,,,,,,,,Report,Better\n"
        + "continuity_of_care,E10000025,2022/23,Total,41.2,,,,,,,,Report,significantly better\n"
    )
    prepared = prepare(path)
    assert not prepared.ok
    error = prepared.errors.iloc[0]
    assert (error["file"], error["row"], error["column"], error["value"]) == (
        "bad.csv",
        3,
        "published_comparison",
        "significantly better",
    )
    assert "expected the publisher's verdict as one of Similar, Better, Worse, Lower, Higher" in error["message"]
    assert len(prepared.errors) == 1
