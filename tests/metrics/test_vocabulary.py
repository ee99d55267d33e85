"""The vocabulary: every code has its display words, and the statistics answer only in its labels."""

from __future__ import annotations

import itertools

import numpy as np

from metrics import presentation, stats
from metrics import vocabulary as V


def test_every_code_has_its_words():
    assert set(V.VALUE_TYPE_WORDS) == set(V.VALUE_TYPES)
    assert set(V.CI_METHOD_WORDS) == set(V.CI_METHODS)
    assert set(V.POLARITY_WORDS) == set(V.POLARITIES)
    for words in (V.PERIOD_KIND_WORDS, V.PERIOD_KIND_WORDS_PLURAL, V.PERIOD_KIND_DESCRIPTIONS):
        assert set(words) == set(V.PERIOD_KINDS)
    assert set(V.AREA_LEVEL_IN_A_SENTENCE) == set(V.AREA_LEVELS)
    assert set(V.AREA_LEVEL_SUFFIX) == set(V.AREA_LEVELS) - {"utla"}  # an authority shows its region instead
    shown = set(V.COMPARE_LABELS) | set(V.PUBLISHED_COMPARE_LABELS)  # computed verdicts and publishers'
    assert set(V.COMPARISON_SYMBOLS) == set(presentation.COMPARISON_COLOURS) == set(presentation.COMPARISON_TEXT)
    assert set(V.COMPARISON_SYMBOLS) == shown
    assert set(V.PUBLISHED_COMPARE_WORDS) < set(V.COMPARE_LABELS)
    assert set(presentation.COMPARISON_OUTLINE) == set(V.PUBLISHED_COMPARE_LABELS)
    assert set(V.GOAL_WORDS) == set(V.GOAL_LABELS) == set(presentation.GOAL_COLOURS)
    assert set(V.TREND_WORDS) == set(V.TREND_LABELS)
    assert set(V.TREND_LABEL_BY_DIRECTION.values()) == set(V.TREND_LABELS) - {
        V.NO_SIGNIFICANT_CHANGE,
        V.CANNOT_BE_CALCULATED,
    }
    assert set(V.COMPARE_WORDS_BY_POLARITY) == set(V.POLARITIES)


def test_comparisons_answer_in_the_vocabulary():
    # Every combination of benchmark position (inside both intervals, between them, outside both, missing) and
    # polarity: the verdicts are the vocabulary's, one level and two.
    limits95, limits998 = (90.0, 110.0), (80.0, 120.0)
    benchmarks = [100.0, 85.0, 115.0, 70.0, 130.0, np.nan]
    seen_one, seen_two = set(), set()
    for b, pol in itertools.product(benchmarks, V.POLARITIES):
        seen_one.add(stats.compare(100.0, *limits95, b, pol))
        seen_two.add(stats.compare_two_level(100.0, *limits95, *limits998, b, pol))
    assert seen_one == set(V.COMPARE_LABELS)
    assert seen_two == set(V.TWO_LEVEL_COMPARE_LABELS)
    goals = {
        stats.compare_goal(v, v - 5, v + 5, 100.0, pol)
        for v in (95.0, 105.0, 120.0, 80.0, np.nan)
        for pol in V.POLARITIES
    }
    assert goals == set(V.GOAL_LABELS)
