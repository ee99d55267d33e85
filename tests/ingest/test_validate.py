"""The rows validation hands on to the store."""

from __future__ import annotations

from metrics.ingest.pipeline import prepare
from metrics.ingest.validate import store_frame
from metrics.store import OBS_COLUMNS
from tests.fixtures.make_broken import HEADER


def test_stored_categories_are_in_text_order(tmp_path):
    """DuckDB reads a category column as an ENUM, which sorts by its categories' order: store_frame puts them
    in text order, whatever order the file met them in."""
    path = tmp_path / "order.csv"
    path.write_text(
        HEADER + "unmet_need_ocu,E10000034,2020/21,Total,40,,,,,,,,\n"
        "unmet_need_ocu,E10000025,2019/20,Total,41,,,,,,,,\n"
        "unmet_need_ocu,E06000060,2021/22,Male,42,,,,,,,,\n"
    )
    p = prepare(path)
    assert p.ok
    rows = store_frame(p.rows)
    assert list(rows.columns) == OBS_COLUMNS
    for column in ("area_code", "period", "breakdown"):
        categories = rows[column].cat.categories.tolist()
        assert categories == sorted(categories)
    assert rows["area_code"].tolist() == ["E10000034", "E10000025", "E06000060"]  # the rows keep the file's order
