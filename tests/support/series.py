"""A long frame's rows as the points `metrics.stats.recent_trend` takes (one per period, oldest first)."""

from __future__ import annotations

import pandas as pd


def trend_points(rows: pd.DataFrame) -> list[dict]:
    return [
        dict(
            value=r.value,
            lower=r.lower95,
            upper=r.upper95,
            count=r.count,
            denominator=r.denominator,
            start_year=r.start_year,
            period_kind=r.period_kind,
        )
        for r in rows.itertuples()
    ]
