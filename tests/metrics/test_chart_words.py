"""metrics.presentation.chart_words: the title, area, period and source drawn into a chart's image, and its file
name; the source is a citation, never an uploaded file's name."""

from __future__ import annotations

import pandas as pd

from metrics.areas import ENGLAND_CODE
from metrics.catalogue import default_catalogue
from metrics.geo import ATTRIBUTION
from metrics.presentation import download_file_stem, map_chart_words, trend_chart_words


def _rows(sources: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_code": ["E10000034", "E10000034", ENGLAND_CODE, "E12000005"],
            "area_name": ["Worcestershire", "Worcestershire", "England", "West Midlands"],
            "period": ["2021/22", "2022/23", "2022/23", "2022/23"],
            "source": sources,
        }
    )


def test_trend_words_name_the_areas_drawn_and_cite_the_values():
    ind = default_catalogue().get("continuity_of_care")
    rows = _rows(
        [
            "Fingertips indicator 92544 download cdof_upload_final_v2.csv",
            "Fingertips indicator 92544 download cdof_upload_final_v2.csv",
            "OHID Fingertips, indicator 92544",
            "DEMONSTRATION: generated",
        ]
    )
    words = trend_chart_words(rows, ind, "E10000034", "Worcestershire", ["2021/22", "2022/23"])
    assert words.title == f"{ind.short_name} ({ind.unit}): Worcestershire against England and West Midlands"
    assert (words.area, words.period) == ("Worcestershire", "2021/22 to 2022/23")
    assert "cdof_upload_final_v2.csv" not in words.source
    assert "OHID Fingertips, Public Health Profiles, indicator 92544 (data download)" in words.source
    assert "Demonstration data (not real)" in words.source
    assert words.file_name("png") == "cdof-continuity-of-care-worcestershire-2021-22-to-2022-23.png"
    alone = trend_chart_words(rows[rows["area_code"] == ENGLAND_CODE], ind, "E10000034", "Worcestershire", ["2022/23"])
    assert alone.title.endswith(": England (no values for Worcestershire)") and alone.period == "2022/23"


def test_map_words_carry_the_boundaries_attribution():
    ind = default_catalogue().get("continuity_of_care")
    frame = pd.DataFrame({"source": ["OHID Fingertips, indicator 92544", None]})
    words = map_chart_words(frame, ind, "2022/23", "upper-tier local authorities")
    assert words.source == f"OHID Fingertips, indicator 92544; {ATTRIBUTION}"
    assert words.area == "England's upper-tier local authorities"
    assert words.file_name("svg") == "cdof-continuity-of-care-map-upper-tier-local-authorities-2022-23.svg"


def test_file_stem_is_lower_case_words_and_hyphens():
    assert download_file_stem("continuity_of_care", "Bath & North East Somerset", "2023/24 Q1") == (
        "cdof-continuity-of-care-bath-north-east-somerset-2023-24-q1"
    )
    assert download_file_stem("x", "", "Ynys Môn") == "cdof-x-ynys-mon"
