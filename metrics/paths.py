"""Where the project's files live. The database path can be overridden with CDOF_DB."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = REPO_ROOT / "config"
DATA_DIR = REPO_ROOT / "data"
DEFAULT_DB_PATH = DATA_DIR / "cdof.duckdb"


def database_path(explicit: str | os.PathLike | None = None) -> Path:
    """The database file: an explicit path, else $CDOF_DB, else data/cdof.duckdb."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("CDOF_DB")
    return Path(env) if env else DEFAULT_DB_PATH
