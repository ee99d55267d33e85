"""The partnership's commentary on a figure, where the figure is shown: under the metric on Trends, and as a marker
that opens it on the scorecard. A commentary belongs to one period: it is shown as current only beside that
period's figure; one on an earlier period is listed with its period. Text is shown as plain text."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics.paper.edits import commentary_for
from metrics.safety import plain_text
from pages import common


def _commentary(area_code: str) -> pd.DataFrame:
    return common.commentary(area_code)


def _byline(row) -> str:
    return plain_text(f"Commentary for {row['period']} by {row['written_by']}, {row['written_at']:%d/%m/%Y}")


def _body(text: str) -> None:
    for paragraph in str(text).split("\n"):
        if paragraph.strip():
            st.markdown(plain_text(paragraph))


def show_under_metric(metric_key: str, area_code: str, latest_period: str | None) -> None:
    """The commentary on the latest figure (if any) and, folded, those on earlier periods."""
    stored = _commentary(area_code)
    stored = stored[stored["metric_key"] == metric_key] if len(stored) else stored
    if stored.empty:
        return
    current = commentary_for(stored, metric_key, latest_period)
    if current is not None:
        with st.container(border=True, key=f"commentary_{metric_key}"):
            st.caption(_byline(current))
            _body(current["body"])
    older = stored[stored["period"] != latest_period]
    if len(older):
        with st.expander(f"Commentary on earlier periods ({len(older)})"):
            for _, row in older.sort_values("period", ascending=False).iterrows():
                st.caption(_byline(row))
                _body(row["body"])


def markers(area_code: str, metric_keys, periods) -> None:
    """A marker per metric shown (its key and the period shown) whose shown period has a commentary; it opens it."""
    stored = _commentary(area_code)
    if stored.empty:
        return
    hits = [
        (key, hit)
        for key, period in zip(metric_keys, periods)
        if (hit := commentary_for(stored, key, period)) is not None
    ]
    if not hits:
        return
    cols = st.columns(min(len(hits), 3))
    for n, (key, hit) in enumerate(hits):
        with cols[n % len(cols)].popover(
            f"Commentary: {common.catalogue().get(key).short_name}, {hit['period']}", icon=":material/comment:"
        ):
            st.caption(_byline(hit))
            _body(hit["body"])
