"""Every chart on every page can be downloaded as PNG and SVG with its title, area, period, source and copyright
drawn in (issue 18, chart images): two buttons under each chart, the image drawn only when one is clicked."""

from __future__ import annotations

import io
import os

import plotly.graph_objects as go
import pytest
from PIL import Image

from metrics import geo
from metrics.chart_images import COPYRIGHT, ChartImage, figure_images, plain_figure
from metrics.geo import ATTRIBUTION
from metrics.safety import plain_text
from pages import common
from tests.pages.helpers import download, open_part, plotly_specs, run_page, run_page_with_demo

needs_chromium = pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"), reason="Debian's chromium")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TREND_TITLE = "Continuity of care (prison release) (%): Worcestershire against England and West Midlands"


def _chart_buttons(at) -> dict[str, list]:
    buttons = at.get("download_button")
    return {fmt: [b for b in buttons if b.label.endswith(f" as {fmt}")] for fmt in ("PNG", "SVG")}


def _assert_every_chart_has_both(at, names: list[str]) -> dict[str, list]:
    buttons = _chart_buttons(at)
    assert len(plotly_specs(at)) == len(names)
    for fmt in ("PNG", "SVG"):
        assert [b.label for b in buttons[fmt]] == [f"Download {n} as {fmt}" for n in names]
        # drawn when clicked, not on every run of the page: Chromium starts only for a download
        assert all(b.proto.deferred_file_id and not b.proto.url for b in buttons[fmt])
    return buttons


@pytest.mark.usefixtures("built_db")
@pytest.mark.parametrize(
    ("page", "params", "part", "names"),
    [
        ("trends", {"metric": "continuity_of_care", "area": "E10000034"}, None, ["trend chart"]),
        ("compare", {"period": "2022/23"}, "trends", ["bar chart", "small multiples"]),
        ("profile", {"area": "E10000034"}, None, ["spine chart"]),
        ("map", {"metric": "continuity_of_care", "period": "2022/23"}, None, ["map"]),
        ("compare_indicators", {"period": "2022/23"}, None, ["scatter chart"]),
    ],
)
def test_each_chart_has_png_and_svg_downloads(page, params, part, names):
    at = run_page_with_demo(page, **params)
    if part:
        at = open_part(at, part)
    buttons = _assert_every_chart_has_both(at, names)
    if page == "trends":
        help_text = buttons["PNG"][0].help
        assert plain_text(TREND_TITLE) in help_text and plain_text("; Worcestershire; ") in help_text


@pytest.mark.usefixtures("built_db")
def test_the_maps_download_draws_its_boundaries_inline(captured_downloads, monkeypatch):
    """The page's map names its boundaries by the URL the app serves them at; the download is drawn without the
    app, so the figure it draws has them inline, every area's shape in the trace that colours it."""
    drawn: list = []

    def record(specs, fmt, *args, **kwargs):
        drawn.extend(specs)
        return [b"drawn"] * len(specs)

    monkeypatch.setattr(common, "figure_images", record)
    at = run_page_with_demo("map", metric="continuity_of_care", period="2022/23")
    (spec,) = plotly_specs(at)
    shown = [t for t in spec["data"] if t["type"] == "choropleth"]
    assert [t["geojson"] for t in shown] == [geo.served_url_of_trace("utla", n) for n in range(len(shown))]
    assert download(at, captured_downloads, "Download map as SVG") == b"drawn"
    (image,) = drawn
    traces = [t for t in plain_figure(image).data if t.type == "choropleth"]
    assert [t.name for t in traces] == [t["name"] for t in shown]
    for trace in traces:
        assert trace.geojson["type"] == "FeatureCollection"
        assert [f["id"] for f in trace.geojson["features"]] == list(trace.locations)
        assert all(f["geometry"]["coordinates"] for f in trace.geojson["features"])
    assert sum(len(t.geojson["features"]) for t in traces) == 153
    assert isinstance(image.figure.data[0].geojson, str)  # the page's own figure is left as it is


@needs_chromium
def test_the_map_is_drawn_into_its_image_with_every_area(built_db):
    """A real drawing (Kaleido in Debian's Chromium, with no app serving files): every authority's shape is in it."""
    at = run_page_with_demo("map", metric="continuity_of_care", period="2022/23")
    (spec,) = plotly_specs(at)
    figure = go.Figure(spec)
    (svg,) = figure_images([ChartImage(figure, "Map", "England", "2022/23", "ONS", width=600)], "svg")
    assert svg.decode("utf-8").count('class="choroplethlocation"') == 153


def test_inequalities_charts_have_png_and_svg_downloads(breakdowns_db):
    at = run_page("inequalities", area="E10000034", metric="continuity_of_care")
    _assert_every_chart_has_both(
        at, ["chart by sex", "chart by age group", "chart by deprivation", "chart by sex over time"]
    )


def test_a_missing_browser_is_said_instead_of_the_buttons(built_db, monkeypatch, tmp_path):
    monkeypatch.setenv("CDOF_CHROMIUM", str(tmp_path / "no-chromium"))
    at = run_page("trends", metric="continuity_of_care", area="E10000034")
    assert not _chart_buttons(at)["PNG"]
    errors = [str(e.value) for e in at.error]
    assert any("cannot be downloaded as an image" in e and "no-chromium" in e for e in errors)


@needs_chromium
def test_the_trends_chart_downloads_as_png_and_as_svg_with_its_words(built_db, captured_downloads):
    """Two real renders (Kaleido in Debian's Chromium) through the page's own buttons."""
    at = run_page_with_demo("trends", metric="continuity_of_care", area="E10000034")
    png = download(at, captured_downloads, "Download trend chart as PNG")
    assert png.startswith(PNG_SIGNATURE)
    assert Image.open(io.BytesIO(png)).width == 1800  # 900 px at twice the size
    svg = download(at, captured_downloads, "Download trend chart as SVG").decode("utf-8")
    assert svg.startswith("<svg")
    for words in (
        f"<title>{TREND_TITLE}</title>",
        "Worcestershire · 2018/19 to 2023/24",  # England's periods: the chart runs over every period drawn
        "Source: ",
        "Worcestershire Health and Wellbeing Board",  # the citation of the real figures drawn, not a file
        "Open Government Licence v3.0",
    ):
        assert words in svg
    assert COPYRIGHT.split(". ")[0] in svg
    assert ATTRIBUTION not in svg  # the boundaries' line belongs to the map alone


def test_a_drawing_that_fails_is_said_on_the_page(built_db, captured_downloads, monkeypatch):
    """A browser that will not draw: Streamlit's own short failure under the button, then the reason on the page."""
    monkeypatch.setenv("CDOF_CHROMIUM", "/bin/false")
    at = run_page("trends", metric="continuity_of_care", area="E10000034")
    with pytest.raises(AssertionError, match="no stored file"):
        download(at, captured_downloads, "Download trend chart as PNG")
    at.run()
    errors = [str(e.value) for e in at.error]
    assert any(e.startswith("The image of this chart could not be made. Chromium could not draw") for e in errors)
    assert not at.exception
