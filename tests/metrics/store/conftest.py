import pytest

from metrics.areas import load_geography
from metrics.build import areas_frame
from metrics.store import Store


@pytest.fixture()
def store(tmp_path):
    s = Store(tmp_path / "t.duckdb")
    with s.transaction() as cur:
        s.replace_areas(cur, areas_frame(load_geography()))
    yield s
    s.close()
