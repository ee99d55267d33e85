"""The DuckDB store. All SQL of the project lives in this package.

- connection: this process's connection to each database file, and StoreError (StoreDamaged, StoreFull)
- backup: copies of the file kept before each write, and restoring one
- schema: the tables, views and ENUM label lists, and the migrations from older files
- writes: a revision written or rolled back, with the derived rows it changes, in one transaction
- reads: what the pages show, revisions, history, the export and previews of an upload
- database: Store, one file with its reads and write transactions
- postgres/: PgStore, the same interface on a shared PostgreSQL database (a postgresql:// URL)
- open_store: the one or the other, by where the database is
"""

from metrics.columns import COMPARED_COLUMNS, DEFAULT_BREAKDOWN, OBS_COLUMNS, OBS_KEY, OBS_VALUE_COLUMNS
from metrics.store.connection import ROW_GROUP_SIZE, StoreBusy, StoreDamaged, StoreError, StoreFull, exclusive_use
from metrics.store.database import Store
from metrics.store.schema import SCHEMA_VERSION
from metrics.store.writes import ChangeSummary, RevisionInfo, WriteTransaction, periods_frame


def open_store(location, read_only: bool = False, **options):
    """The store at `location`: a DuckDB file (a path) or a PostgreSQL database (a DatabaseUrl or a postgresql://
    URL). Both have Store's interface."""
    from metrics.paths import DatabaseUrl
    from metrics.store.postgres.connection import is_database_url

    if isinstance(location, DatabaseUrl):
        location = location.url
    if is_database_url(location):
        from metrics.store.postgres.database import PgStore

        for file_only in ("backup_dir", "shared", "lock_wait", "on_wait"):  # the file store's options
            options.pop(file_only, None)
        return PgStore(location, read_only=read_only, **options)
    return Store(location, read_only=read_only, **options)


__all__ = [
    "COMPARED_COLUMNS",
    "DEFAULT_BREAKDOWN",
    "OBS_COLUMNS",
    "OBS_KEY",
    "OBS_VALUE_COLUMNS",
    "ROW_GROUP_SIZE",
    "SCHEMA_VERSION",
    "ChangeSummary",
    "RevisionInfo",
    "Store",
    "StoreBusy",
    "StoreDamaged",
    "StoreError",
    "StoreFull",
    "WriteTransaction",
    "exclusive_use",
    "open_store",
    "periods_frame",
]
