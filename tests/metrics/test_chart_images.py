"""metrics.chart_images: a figure as PNG or SVG with its title, area, period, source and copyright drawn in,
rendered by Kaleido in Debian's Chromium (no download)."""

from __future__ import annotations

import io
import os

import plotly.graph_objects as go
import pytest
from PIL import Image

from metrics.chart_images import COPYRIGHT, PAGE_NOT_READY, ChartImage, ChartImageError, ChartSession, figure_images

needs_chromium = pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"), reason="Debian's chromium")


def _spec() -> ChartImage:
    fig = go.Figure(go.Scatter(x=["2021/22", "2022/23"], y=[25.2, 51.7]), layout=dict(height=300))
    return ChartImage(
        fig,
        "Continuity of care (%)",
        "Worcestershire",
        "2021/22 to 2022/23",
        "OHID NDTMS (Fingertips 92544)",
        width=600,
        height=300,
    )


@needs_chromium
def test_png_and_svg_carry_the_words_around_the_chart():
    spec = _spec()
    (png,) = figure_images([spec], "png", scale=1.0)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == 600
    assert image.height > 300 + 60  # the chart plus the title lines above and the source and licence below
    (svg,) = figure_images([spec], "svg")
    text = svg.decode("utf-8")
    for words in (
        "Continuity of care (%)",
        "Worcestershire · 2021/22 to 2022/23",
        "Source: OHID NDTMS (Fingertips 92544)",
        "Open Government Licence v3.0",
    ):
        assert words in text
    assert text.startswith("<svg") and text.count("<svg") == 2  # the chart's own SVG, inside the labelled one
    assert "Crown copyright" in COPYRIGHT


def test_a_missing_browser_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("CDOF_CHROMIUM", str(tmp_path / "no-chromium"))
    with pytest.raises(ChartImageError, match=r"Chromium, which was not found at .*no-chromium"):
        figure_images([_spec()])


@needs_chromium
def test_a_map_is_drawn_with_the_projects_empty_base_map():
    """plotly.js fetches a base-map topology for every geo map, from cdn.plot.ly unless told where: here static/."""
    square = {"type": "Polygon", "coordinates": [[[-2.5, 52], [-2, 52], [-2, 52.5], [-2.5, 52.5], [-2.5, 52]]]}
    shapes = {"type": "FeatureCollection", "features": [{"type": "Feature", "id": "a", "geometry": square}]}
    fig = go.Figure(
        go.Choropleth(geojson=shapes, locations=["a"], z=[1]),
        layout=dict(geo=dict(visible=False, fitbounds="locations"), height=300),
    )
    (svg,) = figure_images([ChartImage(fig, "A map", "Worcestershire", "2022/23", "ONS", width=400)], "svg")
    assert "A map" in svg.decode("utf-8")


@needs_chromium
def test_the_printing_tab_opened_early_is_the_one_documents_print_in():
    html = b'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>T</title></head><body><h1>Board</h1>'
    with ChartSession("png", 1.0) as session:
        session.open_printer().result()
        opened = session._printer
        drawing = session.submit(_spec())  # (a chart drawn beside the open printing tab)
        pdf = session.print_pdf(html + b"<p>report</p></body></html>").result()
        assert Image.open(io.BytesIO(drawing.result())).format == "PNG"
        assert opened is not None and session._printer is opened
    assert pdf.startswith(b"%PDF")


@needs_chromium
def test_a_figure_sent_before_kaleidos_page_is_ready_is_sent_again():
    """Kaleido's tab now and then answers a figure with its page's script missing; the tab is reloaded after every
    figure, so the figure is sent once more, once."""
    with ChartSession("png", 1.0) as session:
        browser = session._browser.result()
        calc_fig, calls = browser.calc_fig, []

        async def not_ready_at_first(*args, **kwargs):
            calls.append(args)
            if len(calls) == 1:
                raise RuntimeError(f"ReferenceError: {PAGE_NOT_READY}")
            return await calc_fig(*args, **kwargs)

        browser.calc_fig = not_ready_at_first
        png = session.submit(_spec()).result()
        assert Image.open(io.BytesIO(png)).format == "PNG" and len(calls) == 2
        calls.clear()

        async def failing(*args, **kwargs):
            calls.append(args)
            raise RuntimeError("ReferenceError: Plotly is not defined")

        browser.calc_fig = failing  # any other failure is said at once
        with pytest.raises(ChartImageError, match="could not draw"):
            session.submit(_spec()).result()
        assert len(calls) == 1
