import pytest

from metrics.areas import load_geography
from metrics.build import areas_frame
from metrics.store import Store


@pytest.fixture()
def store(tmp_path):
    """A real DuckDB file with the areas and no figures: the plan and its words need only the areas."""
    s = Store(tmp_path / "paper.duckdb")
    with s.transaction() as cur:
        s.replace_areas(cur, areas_frame(load_geography()))
    yield s
    s.close()
