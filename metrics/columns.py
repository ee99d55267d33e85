"""The columns of one stored observation: what every reader produces and the store writes."""

from __future__ import annotations

OBS_KEY = ["metric_key", "area_code", "period", "breakdown"]
# The numbers of an observation; every other value column is text or a flag.
OBS_NUMBERS = ["value", "lower95", "upper95", "lower998", "upper998", "count", "denominator"]
OBS_VALUE_COLUMNS = [
    *OBS_NUMBERS,
    "value_note",
    "source",
    "is_demo",
    # the publisher's own comparison with England (a vocabulary.PUBLISHED_COMPARE_WORDS word), or missing
    "published_comparison",
]
OBS_COLUMNS = OBS_KEY + OBS_VALUE_COLUMNS
# Columns whose change makes a new version of a row (is_demo flips when real data replaces demo).
COMPARED_COLUMNS = OBS_VALUE_COLUMNS
# Of those, the figures: a change to any of these is "changed" in a preview; a change to the description columns
# alone (source, note) is "description changed". is_demo is a figure's standing: real replacing demonstration; a
# published comparison can change the verdict a page shows.
FIGURE_COLUMNS = [*OBS_NUMBERS, "is_demo", "published_comparison"]
DESCRIPTION_COLUMNS = ["value_note", "source"]

DEFAULT_BREAKDOWN = "Total"
