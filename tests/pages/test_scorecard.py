import pandas as pd
import pytest

from metrics import presentation as pr
from tests.pages.helpers import (
    all_text,
    colour_columns,
    download,
    frames,
    open_part,
    read_csv_download,
    run_page,
    run_page_with_demo,
)

pytestmark = pytest.mark.usefixtures("built_db")


def _scorecard(at) -> pd.DataFrame:
    # The per-outcome tables (they have a "Compared with ..." column and an Indicator column), stacked; shown as
    # data tables with every column once "Show every column" is on (issue 18: a summary that fits the screen first).
    if not at.session_state["details"]:
        open_part(at, "details")
    parts = [f for f in frames(at) if "Indicator" in f.columns and "Value" in f.columns]
    return pd.concat(parts, ignore_index=True)


def test_default_area_is_buckinghamshire_grouped_by_outcome():
    at = run_page_with_demo("scorecard")
    assert at.selectbox[0].value == "E06000060"
    assert at.query_params["area"] in ("E06000060", ["E06000060"])
    text = all_text(at)
    assert "Buckinghamshire — South East" in text
    for outcome in (
        "Reduce drug use",
        "Reduce drug-related crime",
        "Increase engagement in treatment",
        "Improve recovery outcomes",
    ):
        assert outcome in text
    table = _scorecard(at)
    # Buckinghamshire's own local measures are listed, others' are not.
    assert "Naloxone coverage (opiate treatment)" in set(table["Indicator"])
    assert "DRR / ATR completions" not in set(table["Indicator"])
    nalox = table[table["key"] == "naloxone_coverage_opiate"].iloc[0]
    assert "No data uploaded yet" in nalox["Note"]
    assert nalox["Value"] == "No data uploaded yet"
    # Headline first within an outcome.
    first = table.iloc[0]
    assert first["Tier"] == "Headline"
    # A demonstration banner.
    assert any("Demonstration data" in w.value for w in at.warning)


def test_values_carry_units_and_comparison_words():
    table = _scorecard(run_page_with_demo("scorecard"))
    ocu = table[table["key"] == "ocu_prevalence"].iloc[0]
    assert ocu["Value"].endswith("per 1,000")
    assert " to " in ocu["95% CI"]
    assert ocu["Compared with England"] in {"Better", "Similar", "Worse"}
    assert len(list(ocu["Trend"])) >= 3
    coc = table[table["key"] == "continuity_of_care"].iloc[0]
    assert coc["Value"].endswith("%")
    assert "National target 75% by end of 2023" in coc["Target"]
    assert coc["Target"].startswith(("Meets target", "Misses target"))


def test_comparison_and_target_are_coloured_words():
    at = run_page("scorecard")
    table = _scorecard(at)
    n = next(i for i, f in enumerate(frames(at)) if "continuity_of_care" in set(f.get("key", [])))
    colours = colour_columns(at, n)
    part = frames(at)[n]
    # One colour per word shown, the comparison's own colour.
    options = [w for w in dict.fromkeys(part["Compared with England"]) if w]
    assert colours["Compared with England"] == [pr.comparison_word_colour(w) for w in options]
    coc = table[table["key"] == "continuity_of_care"].iloc[0]
    assert pr.goal_colour(coc["Target"]) in colours["Target"]
    rug_n = next(i for i, f in enumerate(frames(at)) if "Oxfordshire" in f.columns)
    assert set(colour_columns(at, rug_n)) == {"Buckinghamshire", "Oxfordshire", "Worcestershire"}


def test_metric_not_published_locally_shows_england_not_a_local_value():
    table = _scorecard(run_page("scorecard"))
    row = table[table["key"] == "drug_use_last_year"].iloc[0]
    assert row["Value"] == "Not published locally"
    assert "England and Wales only" in row["Note"]
    assert row["England"].endswith("%") and row["England"] != ""
    assert row["Compared with England"] == "Not compared"


def test_selecting_oxfordshire_changes_the_content():
    at = run_page_with_demo("scorecard")
    before = _scorecard(at).set_index("key")["Value"]
    at.selectbox[0].select("E10000025").run()
    assert not at.exception
    assert at.query_params["area"] in ("E10000025", ["E10000025"])
    assert "Oxfordshire — South East" in all_text(at)
    after = _scorecard(at)
    assert "Naloxone coverage (opiate treatment)" not in set(after["Indicator"])  # Buckinghamshire's own measure
    after = after.set_index("key")["Value"]
    assert before["ocu_prevalence"] != after["ocu_prevalence"]


def test_area_from_url_and_region_benchmark():
    at = run_page("scorecard", area="E10000025", benchmark="Region")
    assert at.selectbox[0].value == "E10000025"
    table = _scorecard(at)
    assert "Compared with Region" in table.columns
    assert "Oxfordshire" in all_text(at)


def test_tartan_rug_has_the_three_focus_areas_with_words():
    at = run_page_with_demo("scorecard")
    rug = next(f for f in frames(at) if "Oxfordshire" in f.columns)
    for name in ("Buckinghamshire", "Oxfordshire", "Worcestershire", "England"):
        assert name in rug.columns
    cell = rug.loc[rug["key"] == "ocu_prevalence", "Oxfordshire"].iloc[0]
    # a rate's unit is in the indicator's name, so that the table fits a laptop (issue 27)
    assert rug.loc[rug["key"] == "ocu_prevalence", "Indicator"].iloc[0].endswith(", per 1,000")
    assert "per 1,000" not in cell and cell.split(" · ")[-1] in {"Better", "Similar", "Worse", "Not compared"}


def test_england_scorecard_has_no_england_column_and_still_renders():
    at = run_page("scorecard", area="E92000001")
    table = _scorecard(at)
    assert "England" not in table.columns
    assert table.loc[table["key"] == "drug_use_last_year", "Value"].iloc[0].endswith("%")


def test_download_csv_has_notes_and_rows(captured_downloads):
    at = run_page_with_demo("scorecard")
    notes, df = read_csv_download(download(at, captured_downloads, "Download CSV"))
    assert any(n.startswith("# Source:") for n in notes)
    assert any(n.startswith("# Data as of:") for n in notes)
    assert any("DEMONSTRATION" in n for n in notes)
    assert len(df) == len(_scorecard(at))
    assert "ocu_prevalence" in set(df["key"])


def test_an_aggregates_reason_is_shown_in_full():
    """A footprint's value that cannot be aggregated says why; the words are never cut: the summary's Value cell
    wraps them, and with every column shown Note holds them in full beside the narrower Value column."""
    at = run_page("scorecard", area="CDP0001")
    summary = "\n".join(str(h.proto.body) for h in at.get("html"))
    reason = "Not aggregated: a directly standardised rate cannot be aggregated without the members"
    assert f"<td class='cdof-reason'>{reason}" in summary
    table = _scorecard(at)
    deaths = table[table["Value"].str.startswith("Not aggregated")]
    assert not deaths.empty and (deaths["Note"] == deaths["Value"]).all()


def test_a_published_verdict_is_shown_as_the_publishers_not_as_computed():
    """Worcestershire's 2022/23 continuity of care (51.70%, published without an interval; the report calls it
    significantly better than England) shows its publisher's verdict, marked as such in the table, the summary's
    pill and the key; the dashboard computes none, and no trend is drawn from it."""
    at = run_page("scorecard", area="E10000034")
    summary = "\n".join(str(h.value) for h in at.get("html"))
    assert "△ Better (as published)" in summary and "border:2px dashed #0072B2" in summary
    assert "△ Better (as published)" in all_text(at) and "not computed by the dashboard" in all_text(at)
    coc = _scorecard(at).set_index("key").loc["continuity_of_care"]
    assert (coc["Period"], coc["Value"], coc["95% CI"]) == ("2022/23", "51.7%", "")
    assert coc["Compared with England"] == "Better (as published)"
    assert coc["Recent trend"] == pr.trend_words("Cannot be calculated")
    assert pr.comparison_word_colour(coc["Compared with England"]) == pr.COMPARISON_COLOURS["Better (as published)"]
    assert pr.comparison_word_colour("Better") != pr.comparison_word_colour("Better (as published)")


# What a laptop leaves a table at 1366 px: the sidebar and the page's margins take the rest (measured in Chromium).
LAPTOP_TABLE_PX = 905


def _widths(at, n: int) -> dict[str, int]:
    import json

    named = {"small": 75, "medium": 200, "large": 400}  # Streamlit's named widths in pixels
    config = json.loads(at.dataframe[n].proto.columns or "{}")
    return {k: named.get(v.get("width"), v.get("width")) for k, v in config.items() if not v.get("hidden")}


def test_every_column_shows_england_beside_the_verdict_on_a_laptop():
    at = run_page_with_demo("scorecard", details="true", area="E10000034")
    table = frames(at)[0]
    columns = list(table.columns)
    assert columns.index("England") == columns.index("Compared with England") + 1
    widths = _widths(at, 0)
    assert widths["Indicator"] >= 240  # "Successful completion, non-opiates" in full
    shown = columns[columns.index("Indicator") : columns.index("England") + 1]
    assert sum(int(widths.get(c) or 150) for c in shown if c in widths) <= LAPTOP_TABLE_PX


def test_the_several_areas_table_fits_three_areas_on_a_laptop():
    at = run_page_with_demo("scorecard", area="E10000034")
    n = next(i for i, f in enumerate(frames(at)) if "Worcestershire" in f.columns)
    widths = _widths(at, n)
    assert sum(int(w) for w in widths.values() if isinstance(w, int)) <= LAPTOP_TABLE_PX
    assert all(isinstance(widths[a], int) for a in ("Buckinghamshire", "Oxfordshire", "Worcestershire"))


def test_one_demonstration_banner_counts_what_the_page_shows():
    at = run_page_with_demo("scorecard", area="E10000034")
    banners = [w.value for w in at.warning if "demonstration data" in w.value]
    assert len(banners) == 1
    summary = "\n".join(str(h.value) for h in at.get("html"))
    rug = next(f for f in frames(at) if "Worcestershire" in f.columns)
    cells = [v for c in ("England", "Buckinghamshire", "Oxfordshire", "Worcestershire") for v in rug[c]]
    n_demo = summary.count("<span class='cdof-demo'>Demo</span> · ") + sum(v.startswith("Demo · ") for v in cells)
    assert f"{n_demo:,} of " in banners[0]


def _banner(at) -> str:
    banners = [w.value for w in at.warning if "Demonstration data" in w.value]
    assert len(banners) == 1, banners
    return banners[0]


def test_the_banner_counts_the_several_areas_table_after_a_change_of_it():
    # The area part (a fragment) draws the banner with the several-areas table's count kept from the run before;
    # a change of that table must still give the count a fresh page with the same choice gives.
    at = run_page_with_demo("scorecard", area="E10000034")
    before = _banner(at)
    at.multiselect(key="_w_rug").set_value(["E10000025"]).run()
    assert not at.exception
    changed = _banner(at)
    fresh = _banner(run_page_with_demo("scorecard", area="E10000034", rug="E10000025"))
    assert changed == fresh
    assert changed != before  # one area in the table instead of three: fewer figures counted
