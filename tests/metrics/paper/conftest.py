import pytest

from metrics.areas import load_geography
from metrics.build import areas_frame
from metrics.store import open_store


@pytest.fixture(params=["duckdb", "postgres"])
def store(request, tmp_path):
    """A real store with the areas and no figures (the plan and its words need only the areas): a DuckDB file, and
    a new database on the session's PostgreSQL server, so every test of the words runs on both."""
    location = tmp_path / "paper.duckdb" if request.param == "duckdb" else request.getfixturevalue("pg_url")
    s = open_store(location)
    with s.transaction() as cur:
        s.replace_areas(cur, areas_frame(load_geography()))
    yield s
    s.close()


@pytest.fixture()
def store_location(store) -> str:
    """What --db names for the store: the file's path, or the database's URL."""
    return str(getattr(store, "url", store.path))
