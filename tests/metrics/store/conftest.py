import pytest

from metrics.areas import load_geography
from metrics.build import areas_frame
from metrics.store import open_store


@pytest.fixture(params=["duckdb", "postgres"])
def store_location(request, tmp_path):
    """Where a store test's database is: a DuckDB file, or a new database on the session's PostgreSQL server."""
    if request.param == "duckdb":
        return tmp_path / "t.duckdb"
    return request.getfixturevalue("pg_url")


@pytest.fixture()
def store(store_location):
    """An empty store with the areas loaded, on each implementation (the same tests, the same results)."""
    s = open_store(store_location)
    with s.transaction() as cur:
        s.replace_areas(cur, areas_frame(load_geography()))
    yield s
    s.close()
