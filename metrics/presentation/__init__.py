"""Presentation for the pages and the board report: words and colours, number formats, downloads, tables and
Plotly figures.

Nothing here imports Streamlit or touches the database, so every function is unit-tested on plain frames
(tests/metrics/test_presentation.py). Callers pass query results from metrics.store. The modules:
  words      comparison, target and trend words, colours, symbols, area labels
  formats    numbers with units, intervals, counts, suppressed values
  downloads  CSV and Excel files with their notes, formula neutralising
  tables     scorecard, tartan rug, series table, spine rows
  demo       the "Demo" mark, the banner's count of demonstration figures, the real-only view
  figures    trend, comparison bars, small multiples, spine chart
Every public name is re-exported here, so `from metrics.presentation import format_value` keeps working.
"""
from metrics.presentation.words import (
    COMPARISON_COLOURS, COMPARISON_TEXT, COMPARISON_SYMBOL, GOAL_WORDS, GOAL_COLOURS, TREND_ARROWS,
    POLARITY_WORDS, CI_WORDS, LEVEL_SUFFIX, ENGLAND_LINE_COLOUR, REGION_COLOUR, AREA_COLOUR, comparison_colour,
    comparison_word_colour, goal_colour, unit_words, trend_words, goal_words, area_label, area_options,
)
from metrics.presentation.formats import (
    SUPPRESSED, is_missing, format_number, format_value, format_ci, format_count, value_with_note, value_or_reason,
    short_source,
)
from metrics.presentation.downloads import (
    problems_for_display, neutralise_cell, neutralise_formulas, download_notes, to_csv_bytes,
    to_excel_bytes, export_frame,
)
from metrics.presentation.tables import (
    rollback_plan_for_display, REVISION_COLUMN_NAMES, revisions_for_display, PREVIEW_COLUMN_NAMES,
    preview_for_display, other_kinds_words, period_kinds_in_order, period_kinds_with_others, scorecard_rows,
    in_area_profile, tartan_frame, series_table, SPINE_RANGE_COLUMNS, spine_ranges, spine_rows,
)
from metrics.presentation.demo import (
    DEMO_MARK, DEMO_LEGEND, DEMO_MARKER_COLOUR, NO_PUBLISHED_DATA, is_demo_flags, mark_demo, real_only,
    demo_figures, demo_count_words, loaded_data_words, where_to_get_real_data,
)
from metrics.presentation.figures import (
    trend_figure, compare_bar_figure, small_multiples_figure, spine_figure,
)

__all__ = [
    "COMPARISON_COLOURS", "COMPARISON_TEXT", "COMPARISON_SYMBOL", "GOAL_WORDS", "GOAL_COLOURS", "TREND_ARROWS",
    "POLARITY_WORDS", "CI_WORDS", "LEVEL_SUFFIX", "ENGLAND_LINE_COLOUR", "REGION_COLOUR", "AREA_COLOUR",
    "comparison_colour", "comparison_word_colour", "goal_colour", "unit_words", "trend_words", "goal_words",
    "area_label", "area_options", "SUPPRESSED", "is_missing", "format_number", "format_value", "format_ci",
    "format_count", "value_with_note", "value_or_reason", "short_source", "problems_for_display",
    "neutralise_cell", "neutralise_formulas", "download_notes", "to_csv_bytes", "to_excel_bytes", "export_frame",
    "rollback_plan_for_display", "REVISION_COLUMN_NAMES", "revisions_for_display", "PREVIEW_COLUMN_NAMES",
    "preview_for_display", "other_kinds_words", "period_kinds_in_order", "period_kinds_with_others",
    "scorecard_rows", "in_area_profile", "tartan_frame", "series_table", "SPINE_RANGE_COLUMNS", "spine_ranges",
    "spine_rows", "DEMO_MARK", "DEMO_LEGEND", "DEMO_MARKER_COLOUR", "NO_PUBLISHED_DATA", "is_demo_flags",
    "mark_demo", "real_only", "demo_figures", "demo_count_words", "loaded_data_words", "where_to_get_real_data",
    "trend_figure", "compare_bar_figure", "small_multiples_figure", "spine_figure",
]
