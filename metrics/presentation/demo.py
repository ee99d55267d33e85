"""Demonstration data, marked wherever a value is shown: the "Demo" mark, the banner's count, the real-only view.

A series is real or demonstration, never both (metrics.build, metrics.derive), so a value's mark is its row's
`is_demo`. Nothing here imports Streamlit: pages/common.py draws the banner and the switch.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from metrics.presentation.formats import period_words

__all__ = [
    "DEMO_LEGEND",
    "DEMO_MARK",
    "DEMO_MARKER_COLOUR",
    "NO_PUBLISHED_DATA",
    "NO_PUBLISHED_DATA_WHAT_TO_DO",
    "demo_cells",
    "demo_count_words",
    "demo_figures",
    "is_demo_flags",
    "loaded_data_words",
    "mark_demo",
    "real_only",
    "where_to_get_real_data",
]

DEMO_MARK = "Demo"
DEMO_LEGEND = " (demonstration)"
DEMO_MARKER_COLOUR = "#8C8C8C"
NO_PUBLISHED_DATA = "No published data loaded"
# An empty state says what to do: where the figures come from is on the Definitions page.
NO_PUBLISHED_DATA_WHAT_TO_DO = "No published data loaded for this indicator: refresh from Fingertips or upload a file"


def is_demo_flags(frame: pd.DataFrame | None) -> pd.Series:
    """Each row's is_demo as booleans (False where the frame has no such column or the flag is missing)."""
    if frame is None or frame.empty or "is_demo" not in frame:
        return pd.Series(False, index=getattr(frame, "index", None), dtype=bool)
    return frame["is_demo"].fillna(False).astype(bool)


def mark_demo(text: Any, is_demo: Any) -> str:
    """A shown value with the "Demo" mark in front when it is demonstration data ("Demo · 38.8%")."""
    text = "" if text is None else str(text)
    return f"{DEMO_MARK} · {text}" if bool(is_demo) and text else text


def real_only(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """The rows that are not demonstration data (the frame unchanged when it has no is_demo column)."""
    if frame is None or frame.empty or "is_demo" not in frame:
        return frame
    return frame.loc[~is_demo_flags(frame)].reset_index(drop=True)


def demo_figures(frame: pd.DataFrame | None) -> tuple[int, int]:
    """(demonstration figures, all figures) among the rows shown: a figure is a row with a value."""
    if frame is None or frame.empty or "is_demo" not in frame:
        return 0, 0 if frame is None else len(frame)
    has_value = frame["value"].notna() if "value" in frame else pd.Series(True, index=frame.index)
    flags = is_demo_flags(frame)
    return int((flags & has_value).sum()), int(has_value.sum())


def demo_cells(frame: pd.DataFrame | None, columns: list[str]) -> tuple[int, int]:
    """(demonstration figures, all figures) among a table's shown cells: a figure is a cell with a value (not
    empty, not "No data"), a demonstration one starts with the "Demo" mark."""
    if frame is None or frame.empty:
        return 0, 0
    cells = [str(v) for c in columns if c in frame for v in frame[c] if isinstance(v, str) and v]
    shown = [v for v in cells if not v.startswith("No data")]
    return sum(v.startswith(f"{DEMO_MARK} · ") for v in shown), len(shown)


def demo_count_words(n_demo: int, n_total: int) -> str:
    """The banner's sentence: "31 of 47 figures on this page are demonstration data"."""
    figures = "figure" if n_total == 1 else "figures"
    verb = "is" if n_demo == 1 else "are"
    return f"{n_demo:,} of {n_total:,} {figures} on this page {verb} demonstration data"


def loaded_data_words(rows: pd.DataFrame, level_names: dict[str, str]) -> list[str]:
    """What is loaded for one metric, real and demonstration apart: periods and areas by level.

    rows: the metric's stored values for every area (store.series); level_names: area_code -> level."""
    if rows is None or rows.empty:
        return ["Nothing loaded yet"]
    out = []
    flags = is_demo_flags(rows)
    for demo, words in ((False, "Published figures"), (True, "Demonstration data (not real)")):
        part = rows.loc[flags == demo]
        if part.empty:
            continue
        order = [period_words(p) for p in part.drop_duplicates("period").sort_values("period_sortable")["period"]]
        periods = order[0] if len(order) == 1 else f"{order[0]} to {order[-1]} ({len(order)} periods)"
        levels = pd.Series([level_names.get(c, "other") for c in part["area_code"].unique()]).value_counts()
        named = {"england": "England", "region": "regions", "utla": "local authorities", "cdp": "CDP footprints"}
        areas = ", ".join(
            f"{n} {named.get(str(level), str(level))}" if level != "england" else "England"
            for level, n in levels.items()
        )
        out.append(f"{words}: {periods}; {areas}")
    return out


def where_to_get_real_data(fingertips_id: Any, source: str, how_to_get: str | None = None) -> str:
    """Where an analyst gets the published figures for a metric, and how they load them."""
    if fingertips_id:
        return (
            f"OHID Fingertips indicator {fingertips_id} (fingertips.phe.org.uk): *Refresh from Fingertips* on "
            f"the Upload page, or `python -m metrics refresh --indicators {fingertips_id}`; or download the data "
            "for England, regions and upper-tier authorities and upload the file unchanged (Fingertips format)"
        )
    if how_to_get:
        return how_to_get
    if "NDTMS" in source:
        return (
            "NDTMS ViewIt (www.ndtms.net), the partnership's local report: export it as CSV and upload it "
            "unchanged (NDTMS format), or copy the figures into the upload template"
        )
    if source.startswith("ONS") or " ONS " in f" {source} ":
        return "The ONS release named in the source (www.ons.gov.uk): copy its table into the upload template"
    return f"{source}: copy the published figures into the upload template"
