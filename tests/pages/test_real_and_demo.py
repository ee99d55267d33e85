"""Issue 16 on the pages: demonstration values marked wherever shown, hidden with "Real data only" on, and sources
that are citations (no file names, no internal markers)."""

import re

import pandas as pd
import pytest

from tests.pages.helpers import all_text, download, frames, plotly_specs, read_csv_download, run_page

pytestmark = pytest.mark.usefixtures("built_db")

FOCUS = ["E10000034", "E10000025", "E06000060"]  # Worcestershire, Oxfordshire, Buckinghamshire
PAGES = [
    ("scorecard", {}),
    ("trends", {"metric": "drug_misuse_deaths"}),
    ("trends", {"metric": "continuity_of_care"}),
    ("compare", {"metric": "drug_misuse_deaths"}),
    ("compare", {"metric": "continuity_of_care"}),
    ("profile", {}),
    ("definitions", {"metric": "drug_misuse_deaths"}),
]
BAD_SOURCE = re.compile(r"seed|\[S\]|\[V\]|\[U\]|\.(csv|txt|xlsx?|ya?ml)\b", re.I)


def _shown_text(at) -> str:
    text = [all_text(at)]
    for df in frames(at):
        text.append(df.astype(str).to_csv(index=False))
    for spec in plotly_specs(at):
        for t in spec["data"]:
            text += [
                str(t.get("name", "")),
                str(t.get("text", "")),
                str(t.get("customdata", "")),
                str(t.get("hovertext", "")),
            ]
    return "\n".join(text)


@pytest.mark.parametrize("area", FOCUS)
@pytest.mark.parametrize("page,params", PAGES)
def test_real_data_only_shows_no_demonstration_value(page, params, area):
    at = run_page(page, area=area, real="true", **params)
    assert at.sidebar.toggle(key="real").value is True
    text = _shown_text(at)
    assert "Demo ·" not in text and "(demonstration)" not in text and "Demonstration data" not in text
    assert "demonstration data" not in " ".join(w.value for w in at.warning)


def test_worcestershire_scorecard_real_only_says_where_nothing_is_published():
    at = run_page("scorecard", details="true", area="E10000034", real="true")
    card = pd.concat(frames(at)[:-1] if len(frames(at)) > 1 else frames(at), ignore_index=True)
    values = dict(zip(card["Indicator"], card["Value"]))
    assert values["Drug misuse deaths"] == "4.8 per 100,000"  # the Fingertips 2022-24 figure, 4.83
    assert values["Continuity of care (prison release)"] == "51.7%"
    assert "No published data loaded" in values.values()
    assert set(card["Data"]) <= {"Published", ""}


def test_real_data_only_is_the_default_on_every_page():
    for page, params in PAGES:
        at = run_page(page, area="E10000034", **params)
        assert at.sidebar.toggle(key="real").value is True
        text = _shown_text(at)
        assert "Demo ·" not in text and "(demonstration)" not in text and "Demonstration data" not in text, page


def test_an_indicator_without_published_data_says_what_to_do():
    at = run_page("trends", metric="ocu_prevalence", area="E10000034")
    words = " ".join(i.value for i in at.info)
    assert (
        "No published data loaded for this indicator, for Worcestershire or England: refresh from Fingertips or "
        "upload a file. Where to get it: [Definitions](definitions?metric=ocu_prevalence)." in words
    )
    at = run_page("map", metric="ocu_prevalence")
    assert "No published data loaded for this indicator: refresh from Fingertips or upload a file" in " ".join(
        i.value for i in at.info
    )


def test_with_demonstration_shown_every_demonstration_value_is_marked():
    at = run_page("scorecard", details="true", area="E10000025", real="false")
    banner = " ".join(w.value for w in at.warning)
    assert re.search(r"\d+ of \d+ figures on this page are demonstration data", banner)
    card = pd.concat(frames(at)[:6], ignore_index=True)
    demo = card[card["Source"] == "Demonstration data (not real)"]
    # the area's own value says Demo in its row; England's value shown for a metric not published locally says
    # it in its cell
    assert not demo.empty and ((demo["Data"] == "Demo") | demo["England"].str.startswith("Demo · ")).all()
    ons = card[card["Source"].str.startswith("ONS")]
    assert len(ons) >= 1 and set(ons["Data"]) <= {"Published", ""}  # CSEW drug use: England's value
    assert not ons["England"].str.startswith("Demo").any()
    trend = run_page("trends", metric="continuity_of_care", area="E10000025", real="false")
    spec = plotly_specs(trend)[0]
    oxon = next(t for t in spec["data"] if t["name"].startswith("Oxfordshire"))
    assert oxon["name"] == "Oxfordshire (demonstration)"
    assert set(oxon["marker"]["symbol"]) == {"circle-open"}
    england = next(t for t in spec["data"] if t["name"].startswith("England"))
    assert england["name"] == "England"  # England's continuity of care is published


def test_real_only_switch_is_kept_in_the_url():
    at = run_page("scorecard", details="true", area="E10000034")
    assert at.sidebar.toggle(key="real").value is True and "real" not in at.query_params  # the default
    at.sidebar.toggle(key="real").set_value(False).run()
    assert at.query_params.get("real") in ("false", ["false"])  # demonstration data asked for: in the link
    assert "Demonstration data shown" in " ".join(c.value for c in at.sidebar.caption)
    at.sidebar.toggle(key="real").set_value(True).run()
    assert "real" not in at.query_params


def test_no_source_on_screen_or_in_downloads_is_a_file_name_or_marker(captured_downloads):
    for area in FOCUS:
        at = run_page("scorecard", details="true", area=area, real="false")
        assert not BAD_SOURCE.search(" ".join(map(str, pd.concat(frames(at)[:6])["Source"])))
        notes, df = read_csv_download(download(at, captured_downloads, "Download CSV"))
        assert not BAD_SOURCE.search(" ".join(map(str, notes)))
        assert not BAD_SOURCE.search(" ".join(map(str, df["source"])))
    at = run_page("trends", metric="drug_misuse_deaths", area="E10000034", real="false")
    spec = plotly_specs(at)[0]
    assert not BAD_SOURCE.search(str([t.get("customdata") for t in spec["data"]]))
    for key in ("continuity_of_care", "drug_misuse_deaths", "drug_use_last_year"):
        text = all_text(run_page("definitions", metric=key))
        assert not BAD_SOURCE.search(text), key


def test_definitions_say_what_is_loaded_and_where_the_real_data_is():
    text = all_text(run_page("definitions", metric="drug_misuse_deaths", real="false"))
    assert "Published figures: 2001-03 to 2022-24" in text
    assert "ONS, Drug misuse deaths by local authority" in text
    assert "OHID Fingertips indicator 92432" in text and "Where to get the real data" in text
    text = all_text(run_page("definitions", metric="ocu_prevalence", real="false"))
    assert "Demonstration data (not real)" in text and "Published figures" not in text


def test_the_summary_view_marks_every_demonstration_value_in_its_cell():
    """The default scorecard (the summary that fits the screen) marks each demonstration value as the table with
    every column does: as many "Demo" marks as demonstration rows, and none on a published value."""
    at = run_page("scorecard", area="E10000034", real="false")
    summary = "\n".join(str(h.value) for h in at.get("html"))
    details = pd.concat(
        frames(run_page("scorecard", details="true", area="E10000034", real="false"))[:6], ignore_index=True
    )
    demo_rows = int((details["Data"] == "Demo").sum())
    assert demo_rows > 0 and summary.count("<span class='cdof-demo'>Demo</span> · ") == demo_rows
    assert "<span class='cdof-demo'>Demo</span> · 51.7%" not in summary  # continuity of care 2022/23 is real


def test_the_scorecard_says_what_to_do_for_indicators_without_published_data():
    at = run_page("scorecard", area="E10000034")
    words = " ".join(c.value for c in at.caption)
    assert "indicators say *No published data loaded* for Worcestershire: refresh them from Fingertips or " in words
    assert "[Definitions](definitions)" in words
