"""metrics.safety: data text shown literally in Markdown and hovers; no formulas in the files the product writes."""

from __future__ import annotations

import html
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from metrics.safety import (
    WORD_JOINER,
    hover_text,
    looks_like_formula,
    neutralise_cell,
    neutralise_frame,
    plain_text,
)

# CommonMark with raw HTML switched on: the most a renderer could do with the text.
_MD = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")


class _Parsed(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def _render(markdown: str) -> _Parsed:
    parsed = _Parsed()
    parsed.feed(_MD.render(markdown))
    parsed.close()
    return parsed


def _seen(parsed: _Parsed) -> str:
    """The text a reader sees (the invisible word joiners that stop autolinks dropped)."""
    return "".join(parsed.text).replace(WORD_JOINER, "")


def _as_shown(text: str) -> str:
    """What a reader should see of `text` in one line of a caption: line breaks as spaces, ends trimmed."""
    return " ".join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n")).strip()


PAYLOADS = [
    "![x](http://127.0.0.1:9/p.png)",
    "**bold** and _it_",
    "<img src=x onerror=alert(1)>",
    "<b>b</b>",
    "[link](javascript:alert(1))",
    "# heading",
    "- item",
    "1. item",
    "> quote",
    "`code`",
    "&amp; &lt;",
    "a\\*b",
    ":red[red]",
    ":material/lock:",
    "$x^2$",
    "| a | b |\n|---|---|",
    "~~gone~~",
    "line\nbreak",
    "<!-- c -->",
    "http://auto.link",
    "<http://auto.link>",
    "www.example.com",
    "mail me@example.com",
    "HTTPS://X.Y",
    "---",
    "***",
    "=== ",
    "text  \nhard break",
    "\\",
    "",
]


@pytest.mark.parametrize("text", PAYLOADS)
def test_plain_text_renders_as_the_same_literal_text(text):
    shown = _render(plain_text(text))
    assert shown.tags in ([], ["p"]), (text, _MD.render(plain_text(text)))
    assert _seen(shown).strip() == _as_shown(text).strip()


# Printable text of any script, with the characters Markdown and HTML care about made common.
_text = st.text(
    st.one_of(
        st.sampled_from(list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \n")),
        st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
    ),
    max_size=60,
)


@settings(max_examples=400, deadline=None)
@given(_text)
def test_plain_text_property_any_text_renders_literally(text):
    shown = _render(plain_text(text))
    assert shown.tags in ([], ["p"])
    # CommonMark trims a paragraph's ends and a renderer collapses runs of spaces: compare words.
    assert _seen(shown).split() == _as_shown(text).split()


def test_plain_text_breaks_gfm_autolinks():
    """Addresses stay text: GFM (Streamlit's Markdown) links http://, www. and e-mail addresses in plain text."""
    out = plain_text("see http://h.example/p, WWW.h.example and a@b.example")
    assert "http\\:" + WORD_JOINER + "\\/\\/" in out and "WWW" + WORD_JOINER + "\\." in out
    assert "a" + WORD_JOINER + "\\@b" in out


def test_plain_text_of_none_and_numbers():
    assert plain_text(None) == ""
    assert plain_text(12.5) == "12\\.5"


def test_hover_text_escapes_tags_plotly_would_draw():
    assert (
        hover_text("<b>x</b> & <a href='http://h'>y</a>")
        == "&lt;b&gt;x&lt;/b&gt; &amp; &lt;a href='http://h'&gt;y&lt;/a&gt;"
    )
    assert html.unescape(hover_text("a < b & c")) == "a < b & c"
    assert hover_text(None) == ""


@pytest.mark.parametrize(
    "cell", ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-1+1", "@x", "\tx", "\rx", "=1", "-", "+A1", "-x"]
)
def test_neutralise_cell_prefixes_formula_starts(cell):
    assert neutralise_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-1.5", "+2", "1e3", "-0.25", "-12%", "plain", "a=b", "", 3.5, -1.5, None, 7])
def test_neutralise_cell_leaves_numbers_and_plain_text(cell):
    assert neutralise_cell(cell) is cell or neutralise_cell(cell) == cell


def test_neutralise_frame_text_columns_categories_and_names_but_not_numbers():
    df = pd.DataFrame(
        {
            "value": [-1.5, 2.0, np.nan],
            "count": pd.array([-3, 4, None], dtype="Int64"),
            "value_note": ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", None],
            "source": pd.Categorical(["-1+1", "@x", "ok"]),
            "=bad": ["a", "b", "c"],
        }
    )
    out = neutralise_frame(df)
    assert out["value"].tolist()[:2] == [-1.5, 2.0] and out["value"].dtype == float
    assert out["count"].dtype == df["count"].dtype and out["count"].iloc[0] == -3
    assert out["value_note"].tolist()[:2] == ['\'=HYPERLINK("http://x")', "'+cmd|' /C calc'!A0"]
    assert pd.isna(out["value_note"].iloc[2])  # missing stays missing
    assert out["source"].tolist() == ["'-1+1", "'@x", "ok"]
    assert list(out.columns)[-1] == "'=bad"
    assert df["value_note"].iloc[0].startswith("=")  # the input is not changed


@pytest.mark.parametrize(
    "text",
    [
        "=1+1",
        "@SUM(A1)",
        "+cmd|' /C calc'!A0",
        "-2+3",
        "+SUM(A1:A2)",
        "-1+1",
        "+A1",
        "-$B$2",
        "- sum(1)",
        "+1-1",
        '-HYPERLINK("x")',
    ],
)
def test_looks_like_formula_refuses(text):
    assert looks_like_formula(text)


@pytest.mark.parametrize(
    "text", ["-1.5", "+2", "-", "+", "- see the footnote", "-x", "plain", "", "1+1", "a-b", "-1e3", "+ve"]
)
def test_looks_like_formula_accepts(text):
    assert not looks_like_formula(text)
