"""Text columns travel as categories: the helpers keep every cell's value, and chunks join without losing their
categories."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.ingest.text import categorical, concat_rows, text_codes

_CELLS = st.lists(
    st.one_of(st.none(), st.sampled_from(["", " ", "a", " a", "b", "E10000025", "Total"]), st.text(max_size=6)),
    max_size=40,
)


def _values(column) -> list:
    return [None if pd.isna(v) else v for v in pd.Series(column, dtype=object)]


@settings(max_examples=200, deadline=None)
@given(cells=_CELLS)
def test_codes_and_categories_give_back_every_cell(cells):
    for column in (pd.Series(cells, dtype=object), pd.Series(cells, dtype=object).astype("category")):
        codes, distinct = text_codes(column)
        assert _values(categorical(codes, distinct)) == cells


@settings(max_examples=100, deadline=None)
@given(cells=_CELLS, mapped=st.sampled_from(["same", "upper", "none_for_a", "constant"]))
def test_a_function_of_the_distinct_values_applies_to_every_cell(cells, mapped):
    func = {
        "same": lambda v: v,
        "upper": str.upper,
        "none_for_a": lambda v: None if v == "a" else v,
        "constant": lambda v: "x",
    }[mapped]
    codes, distinct = text_codes(pd.Series(cells, dtype=object))
    result = categorical(codes, [func(v) for v in distinct])  # may repeat values: categories stay distinct
    assert _values(result) == [None if c is None else func(c) for c in cells]
    assert result.categories.is_unique


@settings(max_examples=100, deadline=None)
@given(chunks=st.lists(_CELLS, min_size=1, max_size=4))
def test_chunks_join_as_one_categorical_column(chunks):
    # each chunk's text as the reads make it (categories of text, even when a chunk has none)
    parts = [
        pd.DataFrame(
            {"text": categorical(*text_codes(pd.Series(c, dtype=object))), "n": np.arange(len(c), dtype=float)}
        )
        for c in chunks
    ]
    joined = concat_rows(parts)
    assert isinstance(joined["text"].dtype, pd.CategoricalDtype)
    assert _values(joined["text"]) == [v for c in chunks for v in c]
    assert joined["n"].tolist() == [float(i) for c in chunks for i in range(len(c))]
