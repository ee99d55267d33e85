"""Where the project's files live. The database (a DuckDB file, or a PostgreSQL database named by a
postgresql:// URL) can be given explicitly or with CDOF_DB."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = REPO_ROOT / "config"
DATA_DIR = REPO_ROOT / "data"
DEFAULT_DB_PATH = DATA_DIR / "cdof.duckdb"
URL_SCHEMES = ("postgresql://", "postgres://")


class DatabaseUrl:
    """A PostgreSQL database named by its URL. Printed without its password; exists() when the store's tables
    have been built in it."""

    def __init__(self, url: str):
        self.url = url

    def __str__(self) -> str:
        from metrics.store.postgres.connection import redacted

        return redacted(self.url)

    def __repr__(self) -> str:
        return f"DatabaseUrl({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DatabaseUrl) and other.url == self.url

    def __hash__(self) -> int:
        return hash(self.url)

    def exists(self) -> bool:
        from metrics.store.postgres.database import database_built

        return database_built(self.url)


def database_path(explicit: str | os.PathLike | None = None) -> Path | DatabaseUrl:
    """The database: an explicit path or URL, else $CDOF_DB, else data/cdof.duckdb."""
    chosen = os.fspath(explicit) if explicit else os.environ.get("CDOF_DB")
    if not chosen:
        return DEFAULT_DB_PATH
    return DatabaseUrl(chosen) if chosen.startswith(URL_SCHEMES) else Path(chosen)
