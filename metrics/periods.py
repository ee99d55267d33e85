"""Time periods as publishers write them, parsed into kind, start and end dates and a sortable key.

Labels follow Fingertips: "2019/20" (financial year), "2020" (calendar year), "2013 - 15" (three calendar
years pooled), "2020/21 - 22/23" (three financial years pooled), "2022/23 Q3" (financial-year quarter),
"Oct 2023 - Sep 2024" (rolling 12 months). The label is the period's key in the store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {
    m: n
    for n, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)
}


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    label: str
    kind: str  # one of metrics.vocabulary.PERIOD_KINDS
    start_date: date
    end_date: date
    sortable: int  # Fingertips' YYYYQQMM style ordering key
    start_year: int


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _century(short: int, base: int) -> int:
    """The full year for a two-digit year that follows `base` ("2019/20" -> 2020)."""
    full = base - base % 100 + short
    return full + 100 if full < base else full


_FY = re.compile(r"^(\d{4})\s*/\s*(\d{2})$")
_FY_POOLED = re.compile(r"^(\d{4})\s*/\s*(\d{2})\s*-\s*(\d{2})\s*/\s*(\d{2})$")
_CY = re.compile(r"^(\d{4})$")
_CY_POOLED = re.compile(r"^(\d{4})\s*-\s*(\d{2}|\d{4})$")
_QUARTER = re.compile(r"^(\d{4})\s*/\s*(\d{2})\s*Q([1-4])$", re.IGNORECASE)
_ROLLING = re.compile(r"^([A-Za-z]{3})\s+(\d{4})\s*-\s*([A-Za-z]{3})\s+(\d{4})$")


def parse_period(text: str) -> Period:
    """Parse a period label; raises PeriodError with the accepted forms when it can't."""
    raw = "" if text is None else str(text)
    label = " ".join(raw.strip().split())
    if m := _FY.match(label):
        y1, y2 = int(m[1]), int(m[2])
        if _century(y2, y1) != y1 + 1:
            raise PeriodError(f"{raw!r}: a financial year runs over two consecutive years, like '2019/20'")
        return Period(f"{y1}/{y2:02d}", "financial_year", date(y1, 4, 1), date(y1 + 1, 3, 31), y1 * 10000, y1)
    if m := _QUARTER.match(label):
        y1, y2, q = int(m[1]), int(m[2]), int(m[3])
        if _century(y2, y1) != y1 + 1:
            raise PeriodError(f"{raw!r}: the financial year must run over two consecutive years")
        start_month = 4 + 3 * (q - 1)
        sy = y1 + (start_month > 12)
        sm = (start_month - 1) % 12 + 1
        end = _month_end(sy + (sm + 2 > 12), (sm + 1) % 12 + 1)
        return Period(f"{y1}/{y2:02d} Q{q}", "quarter", date(sy, sm, 1), end, y1 * 10000 + q * 100, y1)
    if m := _FY_POOLED.match(label):
        y1, y2, y3, y4 = (int(g) for g in m.groups())
        end_start = _century(y3, y1)
        if _century(y2, y1) != y1 + 1 or _century(y4, end_start) != end_start + 1 or end_start - y1 != 2:
            raise PeriodError(f"{raw!r}: three pooled financial years look like '2020/21 - 22/23'")
        return Period(
            f"{y1}/{y2:02d} - {y3:02d}/{y4:02d}",
            "three_year_pooled",
            date(y1, 4, 1),
            date(end_start + 1, 3, 31),
            y1 * 10000,
            y1,
        )
    if m := _CY.match(label):
        y = int(m[1])
        return Period(label, "calendar_year", date(y, 1, 1), date(y, 12, 31), y * 10000, y)
    if m := _CY_POOLED.match(label):
        y1 = int(m[1])
        y2 = int(m[2]) if len(m[2]) == 4 else _century(int(m[2]), y1)
        if y2 - y1 != 2:
            raise PeriodError(f"{raw!r}: pooled calendar years span three years, like '2013 - 15'")
        return Period(f"{y1} - {y2 % 100:02d}", "three_year_pooled", date(y1, 1, 1), date(y2, 12, 31), y1 * 10000, y1)
    if m := _ROLLING.match(label):
        m1, m2 = MONTHS.get(m[1].lower()), MONTHS.get(m[3].lower())
        y1, y2 = int(m[2]), int(m[4])
        if m1 and m2:
            start, end = date(y1, m1, 1), _month_end(y2, m2)
            if (y2 * 12 + m2) - (y1 * 12 + m1) == 11:
                return Period(
                    f"{m[1].title()} {y1} - {m[3].title()} {y2}", "rolling_12_months", start, end, y2 * 10000 + m2, y1
                )
    raise PeriodError(
        f"{raw!r} is not a period; write a financial year '2019/20', a calendar year '2020', "
        f"three pooled years '2013 - 15', a quarter '2022/23 Q3' or rolling months 'Oct 2023 - Sep 2024'"
    )


def _label_at(kind: str, first: Period, year: int, quarter: int = 0) -> str | None:
    """The label of the period of `first`'s kind and form that starts in `year` (and `quarter`), in
    parse_period's own style; None for a kind without a regular step (rolling months)."""
    if kind == "financial_year":
        text = f"{year}/{(year + 1) % 100:02d}"
    elif kind == "calendar_year":
        text = f"{year}"
    elif kind == "quarter":
        text = f"{year}/{(year + 1) % 100:02d} Q{quarter}"
    elif kind == "three_year_pooled" and "/" in first.label:
        text = f"{year}/{(year + 1) % 100:02d} - {(year + 2) % 100:02d}/{(year + 3) % 100:02d}"
    elif kind == "three_year_pooled":
        text = f"{year} - {(year + 2) % 100:02d}"
    else:
        return None
    return parse_period(text).label


def complete_sequence(labels: list[str]) -> list[str]:
    """Periods of one kind oldest first with the missing ones between them put in (2019 - 21, 2020 - 22,
    2021 - 23, 2022 - 24), so a chart's axis keeps time: a gap in the data shows as a gap. Periods of several
    kinds, of rolling months (no regular step) or that do not parse come back sorted, as they are."""
    try:
        given = {parse_period(p).sortable: (p, parse_period(p)) for p in dict.fromkeys(labels)}
    except PeriodError:
        return list(labels)
    ordered = [given[k] for k in sorted(given)]
    kinds = {p.kind for _, p in ordered}
    if len(kinds) != 1 or kinds == {"rolling_12_months"}:
        return [label for label, _ in ordered]
    kind, first, last = kinds.pop(), ordered[0][1], ordered[-1][1]
    if kind == "quarter":
        steps = [(y, q) for y in range(first.start_year, last.start_year + 1) for q in (1, 2, 3, 4)]
        keys = [(y * 10000 + q * 100, y, q) for y, q in steps if first.sortable <= y * 10000 + q * 100 <= last.sortable]
    else:
        keys = [(y * 10000, y, 0) for y in range(first.start_year, last.start_year + 1)]
    # the labels given keep their own form; only the missing periods are written
    out = [given[k][0] if k in given else _label_at(kind, first, y, q) for k, y, q in keys]
    return [p for p in out if p is not None]
