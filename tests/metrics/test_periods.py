from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrics.periods import PeriodError, parse_period


@pytest.mark.parametrize(
    "label,kind,start,end,sortable",
    [
        ("2019/20", "financial_year", date(2019, 4, 1), date(2020, 3, 31), 20190000),
        ("1999/00", "financial_year", date(1999, 4, 1), date(2000, 3, 31), 19990000),
        ("2020", "calendar_year", date(2020, 1, 1), date(2020, 12, 31), 20200000),
        ("2013 - 15", "three_year_pooled", date(2013, 1, 1), date(2015, 12, 31), 20130000),
        ("2020/21 - 22/23", "three_year_pooled", date(2020, 4, 1), date(2023, 3, 31), 20200000),
        ("2022/23 Q3", "quarter", date(2022, 10, 1), date(2022, 12, 31), 20220300),
        ("2022/23 Q4", "quarter", date(2023, 1, 1), date(2023, 3, 31), 20220400),
        ("Oct 2023 - Sep 2024", "rolling_12_months", date(2023, 10, 1), date(2024, 9, 30), 20240009),
    ],
)
def test_fingertips_labels(label, kind, start, end, sortable):
    p = parse_period(label)
    assert (p.label, p.kind, p.start_date, p.end_date, p.sortable) == (label, kind, start, end, sortable)


@pytest.mark.parametrize("bad", ["2019/21", "2019-01-20", "", "19/20", "2013 - 16", "Oct 2023 - Dec 2024"])
def test_bad_labels_say_what_is_accepted(bad):
    with pytest.raises(PeriodError):
        parse_period(bad)


@given(st.integers(1990, 2090))
def test_financial_years_order_and_round_trip(year):
    label = f"{year}/{(year + 1) % 100:02d}"
    p = parse_period(label)
    assert p.label == label and p.start_year == year
    assert parse_period(f"{year + 1}/{(year + 2) % 100:02d}").sortable > p.sortable
    assert p.end_date > p.start_date


def test_complete_sequence_puts_in_the_missing_periods_of_one_kind():
    """Issue 27 item 5: a chart's axis keeps time, so 2022 - 24 is not drawn next to 2019 - 21."""
    from metrics.periods import complete_sequence

    assert complete_sequence(["2022 - 24", "2019 - 21", "2018 - 20"]) == [
        "2018 - 20",
        "2019 - 21",
        "2020 - 22",
        "2021 - 23",
        "2022 - 24",
    ]
    assert complete_sequence(["2019/20", "2022/23", "2019/20"]) == ["2019/20", "2020/21", "2021/22", "2022/23"]
    assert complete_sequence(["2022/23 Q3", "2023/24 Q2"]) == ["2022/23 Q3", "2022/23 Q4", "2023/24 Q1", "2023/24 Q2"]
    assert complete_sequence(["2019", "2021"]) == ["2019", "2020", "2021"]
    assert complete_sequence(["2019/20 - 21/22", "2021/22 - 23/24"]) == [
        "2019/20 - 21/22",
        "2020/21 - 22/23",
        "2021/22 - 23/24",
    ]
    # no regular step, several kinds or a label that is not a period: sorted, nothing invented
    assert complete_sequence(["Jul 2021 - Jun 2022", "Apr 2019 - Mar 2020"]) == [
        "Apr 2019 - Mar 2020",
        "Jul 2021 - Jun 2022",
    ]
    assert complete_sequence(["2022/23 Q3", "2019/20"]) == ["2019/20", "2022/23 Q3"]
    assert complete_sequence(["junk", "2019/20"]) == ["junk", "2019/20"]
    assert complete_sequence([]) == []
