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
