"""metrics.derive on small frames: aggregation of footprints and regions, comparisons, goal, trend."""

import numpy as np
import pandas as pd
import pytest

from metrics import stats
from metrics.areas import load_geography
from metrics.catalogue import load_catalogue
from metrics.derive import derive_frame
from metrics.periods import parse_period
from metrics.vocabulary import PUBLISHED_COMPARE_LABELS

GEO = load_geography()
CAT = load_catalogue()


def obs(rows):
    out = []
    for metric, area, period, value, count, den in rows:
        p = parse_period(period)
        a = GEO.get(area)
        out.append(
            {
                "metric_key": metric,
                "area_code": area,
                "period": period,
                "breakdown": "Total",
                "value": value,
                "lower95": np.nan,
                "upper95": np.nan,
                "lower998": np.nan,
                "upper998": np.nan,
                "count": count,
                "denominator": den,
                "value_note": None,
                "source": f"file {area}",
                "is_demo": False,
                "revision_id": 1,
                "level": a.level,
                "region_code": a.region_code,
                "period_kind": p.kind,
                "period_sortable": p.sortable,
                "start_year": p.start_year,
            }
        )
    return pd.DataFrame(out)


def by_area(frame, metric):
    return frame[frame.metric_key == metric].set_index("area_code")


def test_footprint_aggregates_members_with_the_metric_method():
    d = derive_frame(
        obs(
            [
                ("continuity_of_care", "E06000019", "2022/23", np.nan, 30.0, 100.0),
                ("continuity_of_care", "E10000034", "2022/23", np.nan, 250.0, 480.0),
            ]
        ),
        CAT,
        GEO,
    )
    fp = by_area(d, "continuity_of_care").loc["CDP0001"]
    expected = stats.aggregate([30, 250], [100, 480], "proportion", multiplier=100)
    assert fp.value == pytest.approx(expected.value)
    assert (fp.lower95, fp.upper95) == pytest.approx((expected.lower95, expected.upper95))
    assert fp.is_aggregate and fp.aggregation_note == "Aggregated from 2 of 2 member areas"
    assert "Aggregated by the dashboard from 2 sources" in fp.source


def test_member_without_counts_leaves_the_footprint_without_a_value_and_is_named_in_the_note():
    # (issue 15: before, the footprint showed Worcestershire's 250/480 alone as the whole footprint's figure)
    d = derive_frame(
        obs(
            [
                ("continuity_of_care", "E06000019", "2022/23", 30.0, np.nan, np.nan),
                ("continuity_of_care", "E10000034", "2022/23", np.nan, 250.0, 480.0),
            ]
        ),
        CAT,
        GEO,
    )
    fp = by_area(d, "continuity_of_care").loc["CDP0001"]
    assert fp.is_aggregate and np.isnan(fp.value) and np.isnan(fp["count"]) and np.isnan(fp.lower95)
    assert fp.aggregation_note == "Not available: Herefordshire's 2022/23 figure was published without counts"
    assert fp.compared_to_england == "Not compared"


@pytest.mark.parametrize(
    "row, words",
    [
        ((np.nan, np.nan, np.nan), "Herefordshire's 2022/23 figure has no value"),
        ((30.0, 30.0, np.nan), "Herefordshire's 2022/23 figure was published without a denominator"),
        ((30.0, np.nan, 100.0), "Herefordshire's 2022/23 figure was published without a count"),
    ],
)
def test_the_note_says_what_the_member_lacks(row, words):
    d = derive_frame(
        obs(
            [
                ("continuity_of_care", "E06000019", "2022/23", *row),
                ("continuity_of_care", "E10000034", "2022/23", np.nan, 250.0, 480.0),
            ]
        ),
        CAT,
        GEO,
    )
    fp = by_area(d, "continuity_of_care").loc["CDP0001"]
    assert np.isnan(fp.value) and fp.aggregation_note == "Not available: " + words


def test_member_without_a_row_leaves_the_footprint_without_a_value():
    d = derive_frame(obs([("continuity_of_care", "E10000034", "2022/23", np.nan, 250.0, 480.0)]), CAT, GEO)
    fp = by_area(d, "continuity_of_care").loc["CDP0001"]
    assert np.isnan(fp.value) and fp.aggregation_note == "Not available: Herefordshire has no 2022/23 figure"


def test_a_region_needs_every_member_authority():
    west_midlands = [a.code for a in GEO.utlas() if a.region_code == "E12000005"]
    assert len(west_midlands) == 14
    rows = [("continuity_of_care", code, "2022/23", np.nan, 40.0, 100.0) for code in west_midlands[1:]]
    d = by_area(derive_frame(obs(rows), CAT, GEO), "continuity_of_care")
    missing = GEO.get(west_midlands[0]).name
    assert np.isnan(d.loc["E12000005"].value)
    assert d.loc["E12000005"].aggregation_note == f"Not available: {missing} has no 2022/23 figure"
    # the authorities are still compared with nothing in the region rather than with a partial region
    assert d.loc[west_midlands[1]].compared_to_region == "Not compared"
    assert np.isnan(d.loc[west_midlands[1]].region_value)
    # with the last member the region is the sum of all 14
    d = by_area(
        derive_frame(obs(rows + [("continuity_of_care", west_midlands[0], "2022/23", np.nan, 54.0, 100.0)]), CAT, GEO),
        "continuity_of_care",
    )
    assert d.loc["E12000005"].value == pytest.approx((13 * 40 + 54) / 1400 * 100)
    assert d.loc["E12000005"].aggregation_note == "Aggregated from 14 of 14 member areas"


def test_a_breakdown_is_named_in_the_note():
    frame = obs([("continuity_of_care", "E10000034", "2022/23", np.nan, 250.0, 480.0)])
    frame["breakdown"] = "Female"
    fp = by_area(derive_frame(frame, CAT, GEO), "continuity_of_care").loc["CDP0001"]
    assert fp.aggregation_note == "Not available: Herefordshire has no 2022/23 (Female) figure"


def test_dsr_is_never_aggregated():
    d = derive_frame(
        obs(
            [
                ("drug_misuse_deaths", "E06000019", "2020 - 22", 5.0, 20.0, 190000.0),
                ("drug_misuse_deaths", "E10000034", "2020 - 22", 4.0, 60.0, 600000.0),
            ]
        ),
        CAT,
        GEO,
    )
    fp = by_area(d, "drug_misuse_deaths").loc["CDP0001"]
    assert np.isnan(fp.value) and fp.aggregation_note.startswith("Not aggregated")
    assert "age-specific" in fp.aggregation_note


def test_missing_region_is_aggregated_but_a_stored_region_is_kept():
    rows = [
        ("treatment_progress", a.code, "2022/23", np.nan, 40.0, 100.0)
        for a in GEO.utlas()
        if a.region_code in ("E12000001", "E12000002")
    ]
    rows.append(("treatment_progress", "E12000002", "2022/23", 47.0, np.nan, np.nan))
    d = by_area(derive_frame(obs(rows), CAT, GEO), "treatment_progress")
    assert d.loc["E12000001"].is_aggregate and d.loc["E12000001"].value == pytest.approx(40.0)
    assert not d.loc["E12000002"].is_aggregate and d.loc["E12000002"].value == 47.0


def test_comparisons_with_england_region_and_goal():
    d = by_area(
        derive_frame(
            obs(
                [
                    ("continuity_of_care", "E92000001", "2022/23", np.nan, 4000.0, 10000.0),
                    ("continuity_of_care", "E12000005", "2022/23", np.nan, 500.0, 1000.0),
                    ("continuity_of_care", "E10000034", "2022/23", np.nan, 395.0, 500.0),
                    ("continuity_of_care", "E06000019", "2022/23", np.nan, 20.0, 100.0),
                ]
            ),
            CAT,
            GEO,
        ),
        "continuity_of_care",
    )
    assert d.loc["E92000001"].compared_to_england == "Not compared"  # never compared with itself
    assert d.loc["E10000034"].compared_to_england == "Better"
    assert d.loc["E10000034"].compared_to_region == "Better"
    assert d.loc["E06000019"].compared_to_england == "Worse"
    # 79% against the 75% target: meets it
    assert d.loc["E10000034"].compared_to_goal == "Green"
    assert d.loc["E06000019"].compared_to_goal == "Red"


def test_counts_are_not_compared_with_england():
    d = by_area(
        derive_frame(
            obs(
                [
                    ("numbers_in_treatment", "E92000001", "2022/23", np.nan, 290000.0, np.nan),
                    ("numbers_in_treatment", "E10000034", "2022/23", np.nan, 2006.0, np.nan),
                ]
            ),
            CAT,
            GEO,
        ),
        "numbers_in_treatment",
    )
    assert d.loc["E10000034"].value == 2006.0
    assert d.loc["E10000034"].compared_to_england == "Not compared"


def test_a_published_verdict_stands_only_where_the_dashboard_cannot_compare():
    """Worcestershire's 51.70% without an interval or counts: the publisher's "Better" is shown as "Better (as
    published)"; a value with counts gets the dashboard's own verdict whatever the publisher said; England and a
    metric whose values are not compared keep "Not compared"; the region comparison and the trend never use it."""
    frame = obs(
        [
            ("continuity_of_care", "E92000001", "2022/23", 42.61, np.nan, np.nan),
            ("continuity_of_care", "E10000034", "2022/23", 51.70, np.nan, np.nan),
            ("continuity_of_care", "E06000019", "2022/23", np.nan, 20.0, 100.0),
            ("continuity_of_care", "E10000031", "2022/23", 50.0, np.nan, np.nan),
            ("numbers_in_treatment", "E92000001", "2022/23", np.nan, 290000.0, np.nan),
            ("numbers_in_treatment", "E10000034", "2022/23", np.nan, 2006.0, np.nan),
        ]
    )
    frame["published_comparison"] = ["Better", "Better", "Better", None, None, "Higher"]
    d = derive_frame(frame, CAT, GEO).set_index(["metric_key", "area_code"])
    verdicts = d["compared_to_england"].astype(str).to_dict()
    assert verdicts[("continuity_of_care", "E10000034")] == "Better (as published)"
    assert verdicts[("continuity_of_care", "E06000019")] == "Worse"  # 20 of 100 against 42.61%: computed
    assert verdicts[("continuity_of_care", "E10000031")] == "Not compared"  # no interval and nothing published
    assert verdicts[("continuity_of_care", "E92000001")] == "Not compared"  # the benchmark itself
    assert verdicts[("numbers_in_treatment", "E10000034")] == "Not compared"  # counts are not compared
    assert d.loc[("continuity_of_care", "E10000034"), "compared_to_region"] == "Not compared"
    assert d.loc[("continuity_of_care", "E10000034"), "recent_trend"] == "Cannot be calculated"
    assert "published_comparison" not in d.columns  # what is shown is in compared_to_england
    without = derive_frame(frame.drop(columns="published_comparison"), CAT, GEO)
    same = ["value", "lower95", "upper95", "compared_to_region", "compared_to_goal", "recent_trend"]
    pd.testing.assert_frame_equal(without.set_index(["metric_key", "area_code"])[same].astype(str), d[same].astype(str))


def test_trend_needs_five_annual_points():
    years = ["2018/19", "2019/20", "2020/21", "2021/22", "2022/23"]
    rows = [("treatment_progress", "E10000034", y, np.nan, 300.0 + 60 * n, 1000.0) for n, y in enumerate(years)]
    d = derive_frame(obs(rows), CAT, GEO)
    d = d[(d.area_code == "E10000034")].set_index("period")
    assert d.loc["2022/23", "recent_trend"] == "Increasing and getting better"
    assert d.loc["2021/22", "recent_trend"] == "Cannot be calculated"


def test_quarters_stored_beside_years_leave_the_yearly_trend_as_it_was():
    """Years and quarters of one metric are two series: quarters of the same years do not break the five-year
    window (each kind's trend is judged on its own periods; quarters are never annual, so never judged)."""
    years = ["2018/19", "2019/20", "2020/21", "2021/22", "2022/23"]
    yearly = [("treatment_progress", "E10000034", y, np.nan, 300.0 + 60 * n, 1000.0) for n, y in enumerate(years)]
    quarters = [
        ("treatment_progress", "E10000034", f"{y} Q{q}", np.nan, 300.0 + 60 * n, 1000.0)
        for n, y in enumerate(years)
        for q in (1, 2, 3, 4)
    ]
    d = derive_frame(obs(yearly + quarters), CAT, GEO)
    d = d[(d.area_code == "E10000034")].set_index("period")
    assert d.loc["2022/23", "recent_trend"] == "Increasing and getting better"
    assert d.loc["2021/22", "recent_trend"] == "Cannot be calculated"
    assert (d.loc[[f"2022/23 Q{q}" for q in (1, 2, 3, 4)], "recent_trend"] == "Cannot be calculated").all()


@pytest.mark.parametrize("seed", range(5))
def test_integer_joins_keep_pandas_merge_order(seed):
    # derive joins on integer codes instead of merging frames; rows must come out as pandas' merge gives them
    from metrics.derive import _inner_join, _join

    rng = np.random.default_rng(seed)
    left = rng.integers(0, 8, 40)
    for right in (rng.permutation(10)[:6], rng.integers(0, 8, 12)):  # unique keys, then repeated keys
        frames = pd.DataFrame({"k": left, "l": range(len(left))}), pd.DataFrame({"k": right, "r": range(len(right))})
        for how, join in (("left", _join), ("inner", _inner_join)):
            merged = frames[0].merge(frames[1], on="k", how=how)
            l_pos, r_pos = join(left, right)
            assert l_pos.tolist() == merged["l"].tolist()
            assert [p if p >= 0 else None for p in r_pos] == [None if pd.isna(r) else int(r) for r in merged["r"]]


def test_input_frame_is_left_as_it_was_and_labels_are_categories_of_their_vocabulary():
    frame = obs(
        [
            ("continuity_of_care", "E92000001", "2022/23", np.nan, 4000.0, 10000.0),
            ("continuity_of_care", "E06000019", "2022/23", np.nan, 30.0, 100.0),
            ("continuity_of_care", "E10000034", "2022/23", np.nan, 250.0, 480.0),
        ]
    )
    before = frame.copy()
    d = derive_frame(frame, CAT, GEO)
    pd.testing.assert_frame_equal(frame, before)
    # categories in the vocabulary's order (the ENUM's), so that the insert passes codes, not strings
    from metrics import stats

    vocabularies = {
        "compared_to_england": stats.COMPARE_LABELS + PUBLISHED_COMPARE_LABELS,
        "compared_to_region": stats.COMPARE_LABELS,
        "compared_to_goal": stats.GOAL_LABELS,
        "recent_trend": stats.TREND_LABELS,
    }
    for col, labels in vocabularies.items():
        assert isinstance(d[col].dtype, pd.CategoricalDtype) and d[col].notna().all()
        assert d[col].cat.categories.tolist() == list(labels)
    assert d["compared_to_england"].head(3).tolist() == ["Not compared", "Worse", "Better"]  # the input rows


@pytest.mark.parametrize("seed", range(6))
def test_derived_rows_do_not_depend_on_the_order_the_store_returns_observations_in(seed):
    """A database returns rows in no promised order (an upload's rows may come before or after the stored ones):
    the same observations must give the same derived rows, aggregates' sums and the source they name included."""
    west_midlands = [a.code for a in GEO.utlas() if a.region_code == "E12000005"]
    rng = np.random.default_rng(seed)
    rows = [
        (
            "continuity_of_care",
            code,
            period,
            np.nan,
            float(rng.integers(20, 400)) + 0.1 * rng.integers(0, 9),
            1000.0 + 0.3 * rng.integers(0, 9),
        )
        for code in west_midlands + ["E92000001"]
        for period in ("2021/22", "2022/23")
    ]
    frame = obs(rows)
    frame["source"] = [f"upload {rng.integers(0, 3)}" for _ in range(len(frame))]
    key = ["metric_key", "area_code", "period", "breakdown"]
    expected = derive_frame(frame, CAT, GEO).sort_values(key).reset_index(drop=True)
    shuffled = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    got = derive_frame(shuffled, CAT, GEO).sort_values(key).reset_index(drop=True)
    assert set(expected.loc[expected.area_code.isin(["CDP0001", "E12000005"]), "is_aggregate"]) == {True}
    pd.testing.assert_frame_equal(got, expected)
