"""The DuckDB store. All SQL of the project lives in this package.

- connection: this process's connection to each database file, and StoreError (StoreDamaged, StoreFull)
- backup: copies of the file kept before each write, and restoring one
- schema: the tables, views and ENUM label lists, and the migrations from older files
- writes: a revision written or rolled back, with the derived rows it changes, in one transaction
- reads: what the pages show, revisions, history, the export and previews of an upload
- database: Store, one file with its reads and write transactions
"""

from metrics.columns import COMPARED_COLUMNS, DEFAULT_BREAKDOWN, OBS_COLUMNS, OBS_KEY, OBS_VALUE_COLUMNS
from metrics.store.connection import ROW_GROUP_SIZE, StoreBusy, StoreDamaged, StoreError, StoreFull, exclusive_use
from metrics.store.database import Store
from metrics.store.schema import SCHEMA_VERSION
from metrics.store.writes import ChangeSummary, RevisionInfo, WriteTransaction, periods_frame

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
    "periods_frame",
]
