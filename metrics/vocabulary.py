"""The project's vocabulary, declared once: the codes the catalogue, statistics, store, validation and pages share,
each with the words a reader sees.

A code (e.g. "lower_is_better") is what files, the catalogue and the database hold; its words are for display
only. The order of each tuple is meaningful: the store's ENUM types and the statistics' vectorised kernels index
into COMPARE_LABELS, GOAL_LABELS and TREND_LABELS, so a new label goes at the end and needs a store migration.
Nothing here imports anything but the standard library.
"""

from __future__ import annotations

from typing import Literal, get_args

# ---------------------------------------------------------------------------------------------------------------
# Value types and their confidence-interval methods
# ---------------------------------------------------------------------------------------------------------------

ValueType = Literal["proportion", "crude_rate", "dsr", "count"]
VALUE_TYPES: tuple[str, ...] = get_args(ValueType)
VALUE_TYPE_WORDS = {
    "proportion": "Proportion",
    "crude_rate": "Crude rate",
    "dsr": "Directly standardised rate",
    "count": "Count",
}

CIMethod = Literal["wilson", "byars", "dobson", "none"]
CI_METHODS: tuple[str, ...] = get_args(CIMethod)
CI_METHOD_WORDS = {
    "wilson": "Wilson score interval (proportions)",
    "byars": "Byar's method (crude rates and counts)",
    "dobson": "Dobson's method (directly standardised rates)",
    "none": "No confidence interval",
}

# ---------------------------------------------------------------------------------------------------------------
# Polarity: which direction is better
# ---------------------------------------------------------------------------------------------------------------

Polarity = Literal["lower_is_better", "higher_is_better", "no_polarity"]
POLARITIES: tuple[str, ...] = get_args(Polarity)
POLARITY_WORDS = {
    "lower_is_better": "Lower is better",
    "higher_is_better": "Higher is better",
    "no_polarity": "No judgement (neither higher nor lower is better)",
}

# ---------------------------------------------------------------------------------------------------------------
# Period kinds
# ---------------------------------------------------------------------------------------------------------------

PeriodKind = Literal["financial_year", "calendar_year", "quarter", "rolling_12_months", "three_year_pooled"]
PERIOD_KINDS: tuple[str, ...] = get_args(PeriodKind)
#: the kinds with one value a year, none overlapping; a recent trend uses these, or every third pooled period
ANNUAL_PERIOD_KINDS = ("financial_year", "calendar_year")
POOLED_PERIOD_KIND = "three_year_pooled"
PERIOD_KIND_WORDS = {
    "financial_year": "financial year",
    "calendar_year": "calendar year",
    "quarter": "quarter",
    "rolling_12_months": "rolling 12 months",
    "three_year_pooled": "3 years pooled",
}
PERIOD_KIND_WORDS_PLURAL = {
    "financial_year": "financial years",
    "calendar_year": "calendar years",
    "quarter": "quarters",
    "rolling_12_months": "rolling 12-month periods",
    "three_year_pooled": "3-year pooled periods",
}
#: the longer description the Definitions page gives
PERIOD_KIND_DESCRIPTIONS = {
    "financial_year": "Financial year (April to March)",
    "calendar_year": "Calendar year",
    "quarter": "Quarter",
    "rolling_12_months": "Rolling 12 months",
    "three_year_pooled": "Three calendar years pooled",
}

# ---------------------------------------------------------------------------------------------------------------
# Area levels
# ---------------------------------------------------------------------------------------------------------------

AreaLevel = Literal["england", "region", "utla", "cdp"]
#: in the order pages list them
AREA_LEVELS: tuple[str, ...] = get_args(AreaLevel)
#: the levels that sit in a region (a region's value is shown beside theirs)
LEVELS_IN_A_REGION = ("utla", "cdp")
#: what follows an area's name in a picker ("South East — region"); an authority shows its region instead
AREA_LEVEL_SUFFIX = {"england": "country", "region": "region", "cdp": "CDP footprint (joint)"}
#: an area of the level inside a sentence ("a value for a region would invent ...")
AREA_LEVEL_IN_A_SENTENCE = {
    "england": "England",
    "region": "a region",
    "utla": "an upper-tier local authority",
    "cdp": "a CDP footprint",
}

# ---------------------------------------------------------------------------------------------------------------
# Comparison with a benchmark (Fingertips' words)
# ---------------------------------------------------------------------------------------------------------------

NOT_COMPARED = "Not compared"
SIMILAR = "Similar"
BETTER, WORSE = "Better", "Worse"
LOWER, HIGHER = "Lower", "Higher"
#: the verdicts of a comparison, in the order the store's ENUM and the statistics' codes use
COMPARE_LABELS = (SIMILAR, BETTER, WORSE, LOWER, HIGHER, NOT_COMPARED)
#: (significantly lower, significantly higher) by polarity
COMPARE_WORDS_BY_POLARITY = {
    "lower_is_better": (BETTER, WORSE),
    "higher_is_better": (WORSE, BETTER),
    "no_polarity": (LOWER, HIGHER),
}
#: the suffixes of a two-level comparison ("Better (99.8%)"): significant at 95% only, and at 99.8% too
SIGNIFICANT_AT_95, SIGNIFICANT_AT_998 = " (95%)", " (99.8%)"
TWO_LEVEL_COMPARE_LABELS = tuple(
    f"{w}{s}" for w in (BETTER, WORSE, LOWER, HIGHER) for s in (SIGNIFICANT_AT_998, SIGNIFICANT_AT_95)
) + (SIMILAR, NOT_COMPARED)
#: A publisher's own verdict on a value it gave no interval for (Fingertips' "Compared to England value or
#: percentiles", a template's published_comparison): shown as "Better (as published)", never as a verdict the
#: dashboard computed, and only where the dashboard cannot compute one; trends never use it.
AS_PUBLISHED = " (as published)"
#: the verdicts a publisher may state (a file's published_comparison holds one of these, or nothing)
PUBLISHED_COMPARE_WORDS = (SIMILAR, BETTER, WORSE, LOWER, HIGHER)
PUBLISHED_COMPARE_LABELS = tuple(f"{w}{AS_PUBLISHED}" for w in PUBLISHED_COMPARE_WORDS)
#: a publisher's significance level after its verdict ("Better 95%" in a Fingertips download), dropped on reading
PUBLISHED_SIGNIFICANCE_SUFFIXES = (" 95%", " 99.8%")
#: the symbol printed beside each verdict, so colour is never the only cue (a published verdict's is hollow)
COMPARISON_SYMBOLS = {
    BETTER: "▲",
    SIMILAR: "●",
    WORSE: "▼",
    LOWER: "◁",
    HIGHER: "▷",
    NOT_COMPARED: "○",
    BETTER + AS_PUBLISHED: "△",
    SIMILAR + AS_PUBLISHED: "◌",
    WORSE + AS_PUBLISHED: "▽",
    LOWER + AS_PUBLISHED: "◁",
    HIGHER + AS_PUBLISHED: "▷",
}

# ---------------------------------------------------------------------------------------------------------------
# Comparison with a goal or target
# ---------------------------------------------------------------------------------------------------------------

GREEN, AMBER, RED = "Green", "Amber", "Red"
GOAL_LABELS = (GREEN, AMBER, RED, NOT_COMPARED)
GOAL_WORDS = {
    GREEN: "Meets target",
    AMBER: "Misses target (not significantly)",
    RED: "Misses target",
    NOT_COMPARED: "No target",
}

# ---------------------------------------------------------------------------------------------------------------
# Recent trend (Fingertips' markers)
# ---------------------------------------------------------------------------------------------------------------

CANNOT_BE_CALCULATED = "Cannot be calculated"
NO_SIGNIFICANT_CHANGE = "No significant change"
TREND_LABELS = (
    "Increasing and getting worse",
    "Increasing and getting better",
    "Decreasing and getting worse",
    "Decreasing and getting better",
    "Increasing",
    "Decreasing",
    NO_SIGNIFICANT_CHANGE,
    CANNOT_BE_CALCULATED,
)
#: (polarity, direction of a significant trend: 1 up, -1 down) -> label
TREND_LABEL_BY_DIRECTION = {
    ("lower_is_better", 1): "Increasing and getting worse",
    ("lower_is_better", -1): "Decreasing and getting better",
    ("higher_is_better", 1): "Increasing and getting better",
    ("higher_is_better", -1): "Decreasing and getting worse",
    ("no_polarity", 1): "Increasing",
    ("no_polarity", -1): "Decreasing",
}
TREND_WORDS = {
    "Increasing and getting worse": "↑ worse",
    "Increasing and getting better": "↑ better",
    "Decreasing and getting worse": "↓ worse",
    "Decreasing and getting better": "↓ better",
    "Increasing": "↑",
    "Decreasing": "↓",
    NO_SIGNIFICANT_CHANGE: "→ no significant change",
    CANNOT_BE_CALCULATED: "– cannot be calculated",
}

# ---------------------------------------------------------------------------------------------------------------
# Quintiles among areas
# ---------------------------------------------------------------------------------------------------------------

#: quintile 1..5 in words, for a metric with a polarity and for one without
QUINTILE_WORDS = {
    True: ("Best", "Better", "Middle", "Worse", "Worst"),
    False: ("Lowest", "Low", "Middle", "High", "Highest"),
}
