"""Words and colours the pages and the board report show: comparison, target and trend words, their colours and
symbols, and area labels.

Okabe-Ito colours (safe for the common colour-vision deficiencies); a word or symbol always goes beside a colour.
The codes and their words are declared in metrics.vocabulary; this module adds colours and sentences.
"""

from __future__ import annotations

from typing import Any

from metrics.areas import ENGLAND_CODE, Geography
from metrics.catalogue import Indicator
from metrics.vocabulary import (
    AMBER,
    AREA_LEVEL_SUFFIX,
    AS_PUBLISHED,
    BETTER,
    CI_METHOD_WORDS,
    COMPARISON_SYMBOLS,
    GOAL_WORDS,
    GREEN,
    HIGHER,
    LOWER,
    NOT_COMPARED,
    POLARITY_WORDS,
    RED,
    SIMILAR,
    TREND_WORDS,
    WORSE,
)

COMPARISON_COLOURS = {
    BETTER: "#0072B2",  # blue
    SIMILAR: "#F0E442",  # yellow
    WORSE: "#B85000",  # dark vermilion: white text on it 5.0:1 (Okabe-Ito's #D55E00 gave 3.9:1)
    LOWER: "#CFE8F3",  # pale blue (no polarity)
    HIGHER: "#56B4E9",  # sky blue (no polarity)
    NOT_COMPARED: "#E6E6E6",  # light grey
    # A publisher's verdict ("Better (as published)"): a pale tint of the computed verdict's colour, outlined in
    # that colour where drawn, so it never reads as a verdict the dashboard computed.
    BETTER + AS_PUBLISHED: "#CCE3F0",
    SIMILAR + AS_PUBLISHED: "#FAF6C8",
    WORSE + AS_PUBLISHED: "#F1D3BF",
    LOWER + AS_PUBLISHED: "#EEF7FB",
    HIGHER + AS_PUBLISHED: "#DDF0FB",
}
# Text colour readable on each background (WCAG contrast >= 4.5 for the dark ones).
COMPARISON_TEXT = {
    BETTER: "#FFFFFF",
    SIMILAR: "#1F2328",
    WORSE: "#FFFFFF",
    LOWER: "#1F2328",
    HIGHER: "#1F2328",
    NOT_COMPARED: "#1F2328",
    **{w + AS_PUBLISHED: "#1F2328" for w in (BETTER, SIMILAR, WORSE, LOWER, HIGHER)},
}
# The outline of a published verdict: the colour of the verdict it states.
COMPARISON_OUTLINE = {w + AS_PUBLISHED: COMPARISON_COLOURS[w] for w in (BETTER, SIMILAR, WORSE, LOWER, HIGHER)}
#: what the keys say of a published verdict
AS_PUBLISHED_WORDS = (
    "“(as published)”: the publisher's own comparison with England, for a value published without a confidence "
    "interval; the dashboard did not compute it, and no trend uses it"
)
COMPARISON_SYMBOL = COMPARISON_SYMBOLS

GOAL_COLOURS = {GREEN: "#0072B2", AMBER: "#F0E442", RED: "#B85000", NOT_COMPARED: "#E6E6E6"}

# The names pages have used for the vocabulary's display words.
TREND_ARROWS = TREND_WORDS
CI_WORDS = CI_METHOD_WORDS
LEVEL_SUFFIX = AREA_LEVEL_SUFFIX

ENGLAND_LINE_COLOUR = "#1F2328"
REGION_COLOUR = "#CC79A7"  # reddish purple
AREA_COLOUR = "#0072B2"

__all__ = [
    "AREA_COLOUR",
    "AS_PUBLISHED_WORDS",
    "CI_WORDS",
    "COMPARISON_COLOURS",
    "COMPARISON_OUTLINE",
    "COMPARISON_SYMBOL",
    "COMPARISON_TEXT",
    "ENGLAND_LINE_COLOUR",
    "GOAL_COLOURS",
    "GOAL_WORDS",
    "LEVEL_SUFFIX",
    "POLARITY_WORDS",
    "REGION_COLOUR",
    "TREND_ARROWS",
    "area_label",
    "area_options",
    "comparison_colour",
    "comparison_word_colour",
    "goal_colour",
    "goal_words",
    "trend_words",
    "unit_words",
]


_LONGEST_FIRST = sorted(COMPARISON_COLOURS, key=len, reverse=True)


def comparison_colour(word: Any) -> str:
    return COMPARISON_COLOURS.get(str(word), COMPARISON_COLOURS[NOT_COMPARED])


def comparison_word_colour(text: Any) -> str:
    """The colour of a cell that starts with a comparison word ("Better", "Not compared (...)"); the longest
    word first, so that "Better (as published)" is not taken for "Better"."""
    key = next((k for k in _LONGEST_FIRST if isinstance(text, str) and text.startswith(k)), NOT_COMPARED)
    return COMPARISON_COLOURS[key]


def goal_colour(text: Any) -> str:
    """The colour of a target-status cell ("Meets target (...)", "Misses target ..."); grey otherwise."""
    for status, words in GOAL_WORDS.items():
        if isinstance(text, str) and text.startswith(words) and status != NOT_COMPARED:
            return GOAL_COLOURS[status]
    return GOAL_COLOURS[NOT_COMPARED]


def unit_words(unit: str) -> str:
    return {"%": "percentage (%)", "count": "count (number)"}.get(unit, f"rate {unit}")


def trend_words(trend: Any) -> str:
    return TREND_ARROWS.get(str(trend), str(trend) if isinstance(trend, str) else "")


def goal_words(status: Any, ind: Indicator) -> str:
    """Target status in words with the target's label; "" when the metric has no target."""
    if ind.target is None:
        return ""
    words = GOAL_WORDS.get(str(status), "No target")
    if str(status) == NOT_COMPARED:
        return f"Not assessed ({ind.target.label})"
    return f"{words} ({ind.target.label})"


# ---------------------------------------------------------------------------------------------------------------
# Areas
# ---------------------------------------------------------------------------------------------------------------


def area_label(code: str, geography: Geography) -> str:
    """ "Buckinghamshire — South East" for an authority, "South East — region", "England — country",
    "Name — CDP footprint (joint)"."""
    area = geography.areas.get(code)
    if area is None:
        return code
    if area.level == "utla":
        region = geography.region_of(code)
        return f"{area.name} — {region.name}" if region else area.name
    return f"{area.name} — {LEVEL_SUFFIX.get(area.level, area.level)}"


def area_options(geography: Geography) -> list[str]:
    """Area codes in picker order: England, the regions, the authorities grouped by region, CDP footprints."""
    out = [ENGLAND_CODE] + [r.code for r in geography.regions()]
    regions = {r.code: r.name for r in geography.regions()}
    utlas = sorted(geography.utlas(), key=lambda a: (regions.get(a.region_code or "", "~"), a.name))
    out += [a.code for a in utlas]
    out += [f.code for f in geography.footprints()]
    return out
